/**
 * A small, safe evaluator for the Python expression subset fail2ban configs use
 * (bantime values like "1h*2", bantime.factor, bantime.formula). No eval: only numbers,
 * whitelisted names, attribute access, arithmetic/bit/compare/boolean operators,
 * `a if c else b`, and calls to functions placed in the environment.
 */
export type Value = number | boolean | ((...args: number[]) => number) | { [k: string]: Value };
export type Env = Record<string, Value>;

type Node =
  | { k: "num"; v: number }
  | { k: "name"; v: string }
  | { k: "attr"; obj: Node; name: string }
  | { k: "call"; fn: Node; args: Node[] }
  | { k: "un"; op: string; a: Node }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "cmp"; ops: string[]; items: Node[] }
  | { k: "if"; cond: Node; a: Node; b: Node };

export class ExprError extends Error {}

const TOKEN_RE =
  /\s*(?:(\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|\/\/|<<|>>|<=|>=|==|!=|[-+*/%()<>.,&|^~]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN_RE.lastIndex = pos;
    const m = TOKEN_RE.exec(src);
    if (!m) throw new ExprError(`unexpected character ${JSON.stringify(src[pos])} at offset ${pos}`);
    out.push((m[1] ?? m[2] ?? m[3]) as string);
    pos = TOKEN_RE.lastIndex;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: string[]) {}
  private peek(): string | undefined {
    return this.toks[this.i];
  }
  private take(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new ExprError("unexpected end of expression");
    return t;
  }
  private expect(t: string): void {
    const got = this.take();
    if (got !== t) throw new ExprError(`expected "${t}" but found "${got}"`);
  }
  parseAll(): Node {
    const n = this.ternary();
    if (this.i < this.toks.length) throw new ExprError(`unexpected "${this.toks[this.i]}"`);
    return n;
  }
  private ternary(): Node {
    const a = this.or();
    if (this.peek() === "if") {
      this.take();
      const cond = this.or();
      this.expect("else");
      return { k: "if", cond, a, b: this.ternary() };
    }
    return a;
  }
  private or(): Node {
    return this.leftAssoc(["or"], () => this.and());
  }
  private and(): Node {
    return this.leftAssoc(["and"], () => this.not());
  }
  private not(): Node {
    if (this.peek() === "not") {
      this.take();
      return { k: "un", op: "not", a: this.not() };
    }
    return this.compare();
  }
  private compare(): Node {
    const first = this.bitOr();
    const ops: string[] = [];
    const items = [first];
    while (["<", ">", "<=", ">=", "==", "!="].includes(this.peek() ?? "")) {
      ops.push(this.take());
      items.push(this.bitOr());
    }
    return ops.length ? { k: "cmp", ops, items } : first;
  }
  private bitOr(): Node {
    return this.leftAssoc(["|"], () => this.bitXor());
  }
  private bitXor(): Node {
    return this.leftAssoc(["^"], () => this.bitAnd());
  }
  private bitAnd(): Node {
    return this.leftAssoc(["&"], () => this.shift());
  }
  private shift(): Node {
    return this.leftAssoc(["<<", ">>"], () => this.sum());
  }
  private sum(): Node {
    return this.leftAssoc(["+", "-"], () => this.term());
  }
  private term(): Node {
    return this.leftAssoc(["*", "/", "//", "%"], () => this.unary());
  }
  private unary(): Node {
    const t = this.peek();
    if (t === "-" || t === "+" || t === "~") {
      this.take();
      return { k: "un", op: t, a: this.unary() };
    }
    return this.power();
  }
  private power(): Node {
    const base = this.postfix();
    if (this.peek() === "**") {
      this.take();
      return { k: "bin", op: "**", a: base, b: this.unary() };
    }
    return base;
  }
  private postfix(): Node {
    let n = this.atom();
    for (;;) {
      if (this.peek() === ".") {
        this.take();
        const name = this.take();
        if (!/^[A-Za-z_]\w*$/.test(name)) throw new ExprError(`bad attribute name "${name}"`);
        n = { k: "attr", obj: n, name };
      } else if (this.peek() === "(") {
        this.take();
        const args: Node[] = [];
        while (this.peek() !== ")") {
          args.push(this.ternary());
          if (this.peek() === ",") this.take();
          else break;
        }
        this.expect(")");
        n = { k: "call", fn: n, args };
      } else return n;
    }
  }
  private atom(): Node {
    const t = this.take();
    if (t === "(") {
      const n = this.ternary();
      this.expect(")");
      return n;
    }
    if (/^[\d.]/.test(t)) return { k: "num", v: t.startsWith("0x") || t.startsWith("0X") ? parseInt(t, 16) : Number(t) };
    if (/^[A-Za-z_]/.test(t) && !["if", "else", "and", "or", "not"].includes(t)) return { k: "name", v: t };
    throw new ExprError(`unexpected "${t}"`);
  }
  private leftAssoc(ops: string[], next: () => Node): Node {
    let a = next();
    while (ops.includes(this.peek() ?? "")) {
      const op = this.take();
      a = { k: "bin", op, a, b: next() };
    }
    return a;
  }
}

function num(v: Value, what: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new ExprError(`${what} is not a number`);
}
const truthy = (v: Value): boolean => (typeof v === "number" ? v !== 0 : Boolean(v));
function intOf(v: number, op: string): number {
  if (!Number.isInteger(v)) throw new ExprError(`unsupported operand for ${op}: ${v}`);
  return v;
}

function binary(op: string, x: number, y: number): number {
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      if (y === 0) throw new ExprError("division by zero");
      return x / y;
    case "//":
      if (y === 0) throw new ExprError("division by zero");
      return Math.floor(x / y);
    case "%":
      if (y === 0) throw new ExprError("division by zero");
      return x - y * Math.floor(x / y);
    case "**":
      return x ** y;
    // Multiplication keeps shifts exact beyond 32 bits (Python ints are unbounded).
    case "<<":
      return intOf(x, op) * 2 ** intOf(y, op);
    case ">>":
      return Math.floor(intOf(x, op) / 2 ** intOf(y, op));
    case "&":
      return Number(BigInt(intOf(x, op)) & BigInt(intOf(y, op)));
    case "|":
      return Number(BigInt(intOf(x, op)) | BigInt(intOf(y, op)));
    case "^":
      return Number(BigInt(intOf(x, op)) ^ BigInt(intOf(y, op)));
  }
  throw new ExprError(`unknown operator ${op}`);
}

function evaluate(n: Node, env: Env): Value {
  switch (n.k) {
    case "num":
      return n.v;
    case "name": {
      if (!Object.hasOwn(env, n.v)) throw new ExprError(`unknown name "${n.v}"`);
      return env[n.v] as Value;
    }
    case "attr": {
      const o = evaluate(n.obj, env);
      if (typeof o !== "object" || !Object.hasOwn(o, n.name)) throw new ExprError(`unknown attribute "${n.name}"`);
      return o[n.name] as Value;
    }
    case "call": {
      const f = evaluate(n.fn, env);
      if (typeof f !== "function") throw new ExprError("call of a non-function");
      const r = f(...n.args.map((a) => num(evaluate(a, env), "argument")));
      if (typeof r !== "number" || Number.isNaN(r)) throw new ExprError("function returned no number");
      return r;
    }
    case "un": {
      const v = evaluate(n.a, env);
      if (n.op === "not") return !truthy(v);
      const x = num(v, "operand");
      return n.op === "-" ? -x : n.op === "+" ? x : -intOf(x, "~") - 1;
    }
    case "bin": {
      if (n.op === "or") {
        const a = evaluate(n.a, env);
        return truthy(a) ? a : evaluate(n.b, env);
      }
      if (n.op === "and") {
        const a = evaluate(n.a, env);
        return truthy(a) ? evaluate(n.b, env) : a;
      }
      return binary(n.op, num(evaluate(n.a, env), "operand"), num(evaluate(n.b, env), "operand"));
    }
    case "cmp": {
      let left = num(evaluate(n.items[0] as Node, env), "operand");
      for (let i = 0; i < n.ops.length; i++) {
        const right = num(evaluate(n.items[i + 1] as Node, env), "operand");
        const op = n.ops[i];
        const ok =
          op === "<"
            ? left < right
            : op === ">"
              ? left > right
              : op === "<="
                ? left <= right
                : op === ">="
                  ? left >= right
                  : op === "=="
                    ? left === right
                    : left !== right;
        if (!ok) return false;
        left = right;
      }
      return true;
    }
    case "if":
      return truthy(evaluate(n.cond, env)) ? evaluate(n.a, env) : evaluate(n.b, env);
  }
}

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The functions fail2ban formulas commonly call (`math.exp`, `max`, `float`, ...). */
export const PY_BUILTINS: Env = {
  max: (...a: number[]) => Math.max(...a),
  min: (...a: number[]) => Math.min(...a),
  abs: (a: number) => Math.abs(a),
  float: (a: number) => a,
  int: (a: number) => Math.trunc(a),
  round: (a: number, d = 0) => pyRound(a * 10 ** d) / 10 ** d,
  math: {
    exp: (a: number) => Math.exp(a),
    log: (a: number, b?: number) => (b === undefined ? Math.log(a) : Math.log(a) / Math.log(b)),
    log2: (a: number) => Math.log2(a),
    log10: (a: number) => Math.log10(a),
    pow: (a: number, b: number) => a ** b,
    sqrt: (a: number) => Math.sqrt(a),
    floor: (a: number) => Math.floor(a),
    ceil: (a: number) => Math.ceil(a),
    e: Math.E,
    pi: Math.PI,
  },
  True: true,
  False: false,
};

export interface Compiled {
  eval(env: Env): number;
}

/** Parses once; throws ExprError naming the problem for anything outside the subset. */
export function compileExpr(src: string): Compiled {
  const ast = new Parser(tokenize(src)).parseAll();
  return {
    eval(env: Env): number {
      const v = evaluate(ast, { ...PY_BUILTINS, ...env });
      return num(v, "result");
    },
  };
}
