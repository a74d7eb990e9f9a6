// Shared tokenizer for the advertisement (§5) and directive grammars. Internal to src/ript.

/** Known params for which 0 makes no sense as a maximum. */
const POSITIVE_PARAMS = new Set(['sr', 'ch', 'ptime', 'br']);

export const MAX_ENTRY_ID = 255;
export const MAX_TOKEN_LENGTH = 64;
/** Param values above this are rejected (keeps them exact JS integers). */
export const MAX_PARAM_VALUE = Number.MAX_SAFE_INTEGER;

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** RFC 9110 tchar, as a lookup table over ASCII. */
const TOKEN_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))) TOKEN_CHARS[c] = 1;
}

function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_CHARS[c] === 1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Small cursor shared by the advertisement and directive parsers. */
export class GrammarCursor {
  pos = 0;
  constructor(
    readonly input: string,
    private readonly makeError: (message: string, position: number) => Error,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  peek(): number {
    return this.input.charCodeAt(this.pos);
  }

  skipSpace(): void {
    while (isSpace(this.input.charCodeAt(this.pos))) this.pos++;
  }

  fail(message: string, position = this.pos): never {
    throw this.makeError(message, position);
  }

  describeHere(): string {
    return this.atEnd ? 'end of input' : `'${this.input[this.pos]}'`;
  }

  expectChar(ch: string): void {
    this.skipSpace();
    if (this.input[this.pos] !== ch) this.fail(`expected '${ch}', found ${this.describeHere()}`);
    this.pos++;
  }

  /** 1*maxDigits DIGIT; returns the digits as a string. */
  readDigits(what: string, maxDigits: number): string {
    this.skipSpace();
    const start = this.pos;
    while (isDigit(this.input.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}, found ${this.describeHere()}`);
    if (this.pos - start > maxDigits) this.fail(`${what} has more than ${maxDigits} digits`, start);
    return this.input.slice(start, this.pos);
  }

  /** An id 1..255 (at most 3 digits). */
  readId(what: string): number {
    this.skipSpace();
    const start = this.pos;
    const value = Number(this.readDigits(what, 3));
    if (value < 1 || value > MAX_ENTRY_ID) this.fail(`${what} must be 1..${MAX_ENTRY_ID}, got ${value}`, start);
    return value;
  }

  /** A token starting with a letter; returns '' if none starts here. */
  readName(): string {
    this.skipSpace();
    const start = this.pos;
    if (!isAlpha(this.input.charCodeAt(this.pos))) return '';
    while (isTokenChar(this.input.charCodeAt(this.pos))) this.pos++;
    if (this.pos - start > MAX_TOKEN_LENGTH) this.fail(`name longer than ${MAX_TOKEN_LENGTH} characters`, start);
    return this.input.slice(start, this.pos);
  }

  /** *("," name ["=" 1*DIGIT]) into a params record; rejects duplicates. */
  readParams(): Record<string, number> {
    const params: Record<string, number> = {};
    for (;;) {
      this.skipSpace();
      if (this.input[this.pos] !== ',') return params;
      this.pos++;
      this.skipSpace();
      const nameAt = this.pos;
      const name = this.readName();
      if (name === '') this.fail(`expected parameter name, found ${this.describeHere()}`);
      if (Object.hasOwn(params, name)) this.fail(`duplicate parameter '${name}'`, nameAt);
      this.skipSpace();
      let value = 1;
      if (this.input[this.pos] === '=') {
        this.pos++;
        this.skipSpace();
        const valueAt = this.pos;
        value = Number(this.readDigits(`value of '${name}'`, 16));
        if (value > MAX_PARAM_VALUE) this.fail(`value of '${name}' is too large`, valueAt);
        if (value === 0 && POSITIVE_PARAMS.has(name)) this.fail(`'${name}' must be at least 1`, valueAt);
      }
      params[name] = value;
    }
  }
}
