/** A regular expression in the configuration. Pure; its own module so config sections can share it without a cycle. */
import * as z from './zod.ts';

/** A regular expression; when it does not compile, the message carries the engine's own reason. */
export const RegexSource = z.string().check(
  z.minLength(1),
  z.maxLength(500),
  z.superRefine((pattern, ctx) => {
    try {
      new RegExp(pattern, 'i');
    } catch (error) {
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${reason}` });
    }
  }),
);
