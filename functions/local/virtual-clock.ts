/** Time as an explicit input: drills move it forward by hand, so timeouts fire without waiting. */
export class VirtualClock {
  private current: number;
  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime();
  }
  readonly now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current += ms;
  }
}
