/** A variable the stack sets on the function; its absence is a deployment error, said plainly. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
