/**
 * zod for the whole project: `zod/mini`, whose functions tree-shake (classic zod's chained methods
 * keep nearly all of zod in every bundle, about 65 KiB more per function), with zod's English
 * messages, which classic zod sets by itself and zod/mini leaves out (a missing field would read
 * "Invalid input" instead of "Invalid input: expected string, received undefined").
 * Import it as a namespace: `import * as z from '…/core/zod.ts'` (lint enforces it).
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());

export * from 'zod/mini';
