/** The custom bus every Firebreak function talks through. */
export const FIREBREAK_BUS_NAME = 'firebreak';
/** Source of the events Firebreak itself emits on its bus. */
export const FIREBREAK_SOURCE = 'firebreak';
/** Custom monitors put events with a source starting with this prefix. */
export const MONITOR_SOURCE_PREFIX = 'firebreak.monitor';

/** An EventBridge event pattern, as EventBridge reads it. */
export type EventPattern = Record<string, unknown>;
