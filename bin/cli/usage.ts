/** Bad usage of the CLI: one line on stderr, a pointer to --help, exit 2. */
export class UsageError extends Error {}
