/** Plain text for a terminal (the CLI's answers). Pure. */
import { oneLine } from '../slack/text.ts';

/** Text for a terminal: one line, no C0 or C1 control characters (no escape sequences). */
export const plain = (text: string): string => oneLine(text).replace(/[\u0080-\u009f]/g, ' ');
export const plainName = (name: string): string => plain(name).slice(0, 80);
