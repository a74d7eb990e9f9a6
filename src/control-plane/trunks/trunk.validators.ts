import { registerDecorator, type ValidationArguments } from 'class-validator';
import { NumberPatternError, parseNumberPattern } from '@riptrunk/ript';
import { ALWAYS_ON_CODECS, TRUNK_CODECS } from './trunk-advertisement.js';

/**
 * A check over a whole array that names each offending element, e.g. `destinations[1] "+1-": expected '+' at 3`.
 * Non-arrays pass (IsArray reports them), so each problem is reported once.
 */
function ListCheck(check: (items: unknown[], property: string) => string[]): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'listCheck',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          !Array.isArray(value) || check(value, args?.property ?? String(propertyName)).length === 0,
        defaultMessage: (args?: ValidationArguments) =>
          Array.isArray(args?.value) ? check(args.value, args.property).join('; ') : '',
      },
    });
  };
}

const show = (value: unknown) => JSON.stringify(value);

function duplicates(items: unknown[], property: string): string[] {
  return items.flatMap((item, i) =>
    items.indexOf(item) !== i ? [`${property}[${i}] ${show(item)} is listed more than once`] : [],
  );
}

/** Every element a number pattern of profile §4 ("+14085550100", "+A-+B", "+1*" or "*"), none repeated. */
export function IsNumberPatternList(): PropertyDecorator {
  return ListCheck((items, property) => [
    ...items.flatMap((item, i) => {
      if (typeof item !== 'string') return [`${property}[${i}] must be a string`];
      try {
        parseNumberPattern(item);
        return [];
      } catch (err) {
        if (!(err instanceof NumberPatternError)) throw err;
        return [
          `${property}[${i}] ${show(item.length > 40 ? `${item.slice(0, 40)}…` : item)} is not a number pattern ` +
            `(${err.message}); use "+14085550100", "+14085550100-+14085550199", "+1*" or "*"`,
        ];
      }
    }),
    ...duplicates(items, property),
  ]);
}

/** Every element one of the selectable media codecs (case-sensitive, as in advertisements), none repeated. */
export function IsTrunkCodecList(): PropertyDecorator {
  return ListCheck((items, property) => [
    ...items.flatMap((item, i) => {
      if ((TRUNK_CODECS as readonly unknown[]).includes(item)) return [];
      if ((ALWAYS_ON_CODECS as readonly unknown[]).includes(item)) {
        return [`${property}[${i}] ${show(item)} is always on for every trunk and must not be listed`];
      }
      return [`${property}[${i}] ${show(item)} is not a supported codec; choose from ${TRUNK_CODECS.join(', ')}`];
    }),
    ...duplicates(items, property),
  ]);
}

const NUMBER_RANGE_ID = /^rng_[0-9a-z]{20}$/;

/** Every element a number range id ("rng_..."), none repeated. */
export function IsNumberRangeIdList(): PropertyDecorator {
  return ListCheck((items, property) => [
    ...items.flatMap((item, i) =>
      typeof item === 'string' && NUMBER_RANGE_ID.test(item) ? [] : [`${property}[${i}] is not a number range id`],
    ),
    ...duplicates(items, property),
  ]);
}
