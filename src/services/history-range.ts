import type { DateRange } from '../datasources/providers/provider';
import { BadUserInputError } from '../errors/errors';

const DAY_MS = 86_400_000;
const toTime = (date: string) => Date.parse(`${date}T00:00:00Z`);
const toDate = (time: number) => new Date(time).toISOString().slice(0, 10);

/**
 * The range `history` serves: `to` defaults to today, `from` to a year before `to`.
 * BAD_USER_INPUT when from is after to, or the range is longer than the plan allows.
 * (The Date scalar has already checked that both are real ISO dates.)
 */
export function resolveHistoryRange(
  args: { from?: string | null; to?: string | null },
  maxDays: number,
  today: Date,
): DateRange {
  const to = args.to ?? toDate(today.getTime());
  const from =
    args.from ?? toDate(Math.max(toTime(to) - 365 * DAY_MS, toTime(to) - (maxDays - 1) * DAY_MS));
  if (from > to) {
    throw new BadUserInputError(`from (${from}) is after to (${to})`, {
      argument: 'from',
      problem: 'after to',
    });
  }
  const days = (toTime(to) - toTime(from)) / DAY_MS + 1;
  if (days > maxDays) {
    throw new BadUserInputError(
      `The range ${from}..${to} is ${days} days; your plan allows ${maxDays} per request`,
      { argument: 'from', problem: 'range too long', max: maxDays },
    );
  }
  return { from, to };
}
