// Evaluates the small Python expressions fail2ban's sample logs use in "test.condition" and
// "constraint" (e.g. `name=='sshd'`, `opts.get('mode') != 'aggressive'`): comparisons of
// strings/None/bools, `and`/`or`/`not`, parentheses, `name`, `opts.get(k[, default])`, `opts[k]`.
// Anything else throws, so an unsupported expression shows up as a failed case, never a guess.

type PyValue = string | number | boolean | null;

export interface CondEnv {
  name: string;
  opts: Record<string, unknown>;
}

const TOKEN = /\s*(?:(==|!=|\(|\)|\[|\]|,|\.)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\d+(?:\.\d+)?)|([A-Za-z_]\w*))/y;

type Tok = { op: string } | { str: string } | { num: number } | { id: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`unsupported condition syntax at ${TOKEN.lastIndex}: ${src}`);
    if (m[1]) out.push({ op: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ str: (m[2] ?? m[3])!.replace(/\\(.)/g, "$1") });
    else if (m[4]) out.push({ num: Number(m[4]) });
    else out.push({ id: m[5]! });
  }
  return out;
}

export function evalCondition(src: string, env: CondEnv): boolean {
  const toks = tokenize(src);
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const isOp = (t: Tok | undefined, op: string): boolean => !!t && "op" in t && t.op === op;
  const isId = (t: Tok | undefined, id: string): boolean => !!t && "id" in t && t.id === id;
  const expect = (op: string): void => {
    if (!isOp(toks[i++], op)) throw new Error(`expected '${op}' in condition: ${src}`);
  };
  const toValue = (v: unknown): PyValue => (v === undefined ? null : (v as PyValue));

  function atom(): PyValue {
    const t = toks[i++];
    if (!t) throw new Error(`unexpected end of condition: ${src}`);
    if ("str" in t) return t.str;
    if ("num" in t) return t.num;
    if ("op" in t && t.op === "(") {
      const v = orExpr();
      expect(")");
      return v;
    }
    if ("id" in t) {
      if (t.id === "None") return null;
      if (t.id === "True") return true;
      if (t.id === "False") return false;
      if (t.id === "name") return env.name;
      if (t.id === "opts") {
        if (isOp(peek(), "[")) {
          i++;
          const k = orExpr();
          expect("]");
          if (!(String(k) in env.opts)) throw new Error(`KeyError ${String(k)} in condition: ${src}`);
          return toValue(env.opts[String(k)]);
        }
        expect(".");
        if (!isId(toks[i++], "get")) throw new Error(`unsupported opts method in condition: ${src}`);
        expect("(");
        const k = orExpr();
        let dflt: PyValue = null;
        if (isOp(peek(), ",")) {
          i++;
          dflt = orExpr();
        }
        expect(")");
        const key = String(k);
        return key in env.opts ? toValue(env.opts[key]) : dflt;
      }
    }
    throw new Error(`unsupported condition term in: ${src}`);
  }
  function comparison(): PyValue {
    let left = atom();
    while (isOp(peek(), "==") || isOp(peek(), "!=")) {
      const op = (toks[i++] as { op: string }).op;
      const right = atom();
      left = op === "==" ? left === right : left !== right;
    }
    return left;
  }
  function notExpr(): PyValue {
    if (isId(peek(), "not")) {
      i++;
      return !truthy(notExpr());
    }
    return comparison();
  }
  function andExpr(): PyValue {
    let v = notExpr();
    while (isId(peek(), "and")) {
      i++;
      const r = notExpr();
      v = truthy(v) ? r : v;
    }
    return v;
  }
  function orExpr(): PyValue {
    let v = andExpr();
    while (isId(peek(), "or")) {
      i++;
      const r = andExpr();
      v = truthy(v) ? v : r;
    }
    return v;
  }
  const v = orExpr();
  if (i !== toks.length) throw new Error(`trailing text in condition: ${src}`);
  return truthy(v);
}

function truthy(v: PyValue): boolean {
  return v !== null && v !== false && v !== 0 && v !== "";
}
