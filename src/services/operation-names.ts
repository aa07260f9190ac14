/**
 * Distinct operation names metered per API key (per user for access tokens) and UTC
 * day. Operation names are chosen by callers, and each one is a usage row a second;
 * past this many, further names are metered as {@link OTHER_OPERATION}.
 */
export const MAX_OPERATION_NAMES_PER_DAY = 50;

/** The operation name of requests past {@link MAX_OPERATION_NAMES_PER_DAY}. */
export const OTHER_OPERATION = 'other';

/** The operation name of requests that name none. */
export const ANONYMOUS_OPERATION = 'anonymous';

/**
 * Most keys (or users) whose names of the day one process remembers; past it, the one
 * first seen today is forgotten (its names count again, here; with Redis the cluster's
 * set still holds them to the cap).
 */
export const MAX_NAMED_SUBJECTS = 10_000;

/** One key's (or user's) names of one UTC day, as metered in a batch. */
export interface NamesOfDay {
  subject: string;
  day: string;
  names: string[];
}

/**
 * The cluster's record of the names each subject kept on each day (Redis): the first
 * {@link MAX_OPERATION_NAMES_PER_DAY} to arrive from any replica are kept.
 */
export interface SharedOperationNames {
  /** For each group, the names among its `names` that may be kept (in order). */
  admit(groups: readonly NamesOfDay[], max: number): Promise<Array<Set<string>>>;
}

/**
 * This process' first names of the day per subject, capped: it keeps the usage buffer
 * (and so every write) bounded however many names a caller invents, and is exact on
 * its own for one process. Synchronous, for the request path.
 */
export class OperationNames {
  private readonly subjects = new Map<string, { day: string; names: Set<string> }>();

  constructor(
    private readonly max = MAX_OPERATION_NAMES_PER_DAY,
    private readonly maxSubjects = MAX_NAMED_SUBJECTS,
  ) {}

  /** Subjects remembered now. */
  get size(): number {
    return this.subjects.size;
  }

  /** The name a request of `subject` on `day` is metered under: its own, or `other`. */
  nameFor(subject: string, day: string, name: string): string {
    if (name === ANONYMOUS_OPERATION || name === OTHER_OPERATION) return name;
    let entry = this.subjects.get(subject);
    if (!entry || entry.day !== day) {
      if (entry) this.subjects.delete(subject);
      else if (this.subjects.size >= this.maxSubjects) {
        this.subjects.delete(this.subjects.keys().next().value!);
      }
      entry = { day, names: new Set() };
      this.subjects.set(subject, entry);
    }
    if (entry.names.has(name)) return name;
    if (entry.names.size >= this.max) return OTHER_OPERATION;
    entry.names.add(name);
    return name;
  }
}
