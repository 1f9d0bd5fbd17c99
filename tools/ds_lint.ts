// ds-lint: fails on TypeScript that DeviceScript 2.16.4 rejects or, worse, compiles into something
// that behaves differently from Node (see docs/ds-lint.md and the shared field guide, sections 1 and 9).
// Node-only tool; run with `npx ts-node --transpile-only tools/ds_lint.ts [--json] [--class c] [files]`.
import * as ts from "typescript"
import * as fs from "fs"
import * as path from "path"

export type FileClass = "portable" | "devicescript"

/**
 * Which files DeviceScript compiles. First matching glob wins; `**` spans folders, `*` stays in one.
 * PORTABLE files are also compiled by plain tsc for Node; anything unlisted is Node-only and not linted.
 */
export const FILE_CLASSES: ReadonlyArray<{ glob: string; cls: FileClass }> = [
    { glob: "src/core/**", cls: "portable" },
    { glob: "src/drivers/**", cls: "portable" },
    { glob: "sim/plant/**", cls: "portable" },
    { glob: "sim/emulators/**", cls: "portable" },
    { glob: "sim/board/**", cls: "portable" },
    { glob: "test/spec/**", cls: "portable" },
    { glob: "test/golden/**", cls: "portable" },
    { glob: "test/harness/api.ts", cls: "portable" },
    { glob: "src/shell/**", cls: "devicescript" },
    { glob: "src/main_*.ts", cls: "devicescript" },
    { glob: "test/vm/**", cls: "devicescript" },
    { glob: "tools/vm/**", cls: "devicescript" },
]

/** Folders the whole-tree walk never enters (relative to the repo root or by base name). */
const SKIP_DIRS = new Set(["node_modules", ".devicescript", "built", ".git"])
const SKIP_PATHS = new Set(["test/lint/fixtures"])

export interface Finding {
    file: string
    line: number
    col: number
    rule: string
    message: string
}

export interface Rule {
    id: string
    /** "all": every DeviceScript-compiled file; "portable": portable files only. */
    scope: "all" | "portable"
    /** Needs the type checker (only available for portable files). */
    typed?: boolean
    message: string
}

/** The rule table; docs/ds-lint.md mirrors it. Messages say what to write instead. */
export const RULES: ReadonlyArray<Rule> = [
    { id: "math-minmax-args", scope: "all", message: "Math.max/Math.min use only their first 2 arguments in DeviceScript; nest the calls: Math.max(a, Math.max(b, c))" },
    { id: "accessor", scope: "all", message: "getters/setters do not compile in DeviceScript; use getX()/setX() methods or a plain field" },
    { id: "map-set", scope: "all", message: "Map/Set are not globals in DeviceScript (import them from \"@devicescript/runtime\" in DS-only code); portable code uses arrays or Record<string, T>" },
    { id: "to-fixed", scope: "all", message: "Number.toFixed does not compile in DeviceScript; use toFixed(x, digits) from src/core/fmt.ts" },
    { id: "label", scope: "all", message: "labelled statements do not compile in DeviceScript; use a flag or move the loop into a function and return" },
    { id: "do-while", scope: "all", message: "do…while does not compile in DeviceScript; use while (true) { …; if (!cond) break }" },
    { id: "array-length-assign", scope: "all", message: "assigning an array's .length corrupts the DeviceScript heap; truncate with arr.insert(n, -(arr.length - n))" },
    { id: "loose-equality", scope: "all", message: "== / != do not compile in DeviceScript except against null; use === / !==" },
    { id: "logical-assign", scope: "all", message: "??=, ||= and &&= do not compile in DeviceScript; write x = x ?? v (or ||, &&)" },
    { id: "in-operator", scope: "all", message: "the `in` operator does not compile in DeviceScript; test obj[k] !== undefined" },
    { id: "private-name", scope: "all", message: "#private names do not compile in DeviceScript; use the `private` keyword" },
    { id: "static-init", scope: "all", message: "static initializers and static blocks do not compile in DeviceScript; use a module-level const or initialise lazily" },
    { id: "nested-class", scope: "all", message: "DeviceScript supports only top-level class declarations; move the class to the top of the file" },
    { id: "super-property", scope: "all", message: "super.method() does not compile in DeviceScript; call a protected helper instead" },
    { id: "var", scope: "all", message: "var does not compile in DeviceScript; use let or const" },
    { id: "arguments", scope: "all", message: "`arguments` does not compile in DeviceScript; use a rest parameter (...args)" },
    { id: "apply-call-bind", scope: "all", message: ".apply/.call/.bind do not compile in DeviceScript; call the function directly or wrap it in an arrow" },
    { id: "regexp", scope: "all", message: "DeviceScript has no regular expressions; use indexOf/split/startsWith or a small hand-written scanner" },
    { id: "generator", scope: "all", message: "generators and for await do not compile in DeviceScript; return an array or use a callback/fiber" },
    { id: "missing-method", scope: "all", message: "missing in DeviceScript 2.16.4 (splice, concat, reverse, Array.from, Object.entries, padStart/padEnd, repeat, substring, replace/replaceAll, String(x), Number(x)); the message names the replacement" },
    { id: "reduce-no-init", scope: "all", message: "arr.reduce(f) without an initial value returns NaN in DeviceScript; pass the initial value: arr.reduce(f, init)" },
    { id: "template-subst", scope: "all", message: "8 or more interpolated values crash the DeviceScript compiler (assertion); split the string, at most 7 per template or console call" },
    { id: "promise", scope: "all", message: "Promise has no runtime representation in DeviceScript; await calls one by one, or use fibers (fn.start, ds.suspend/resume)" },
    { id: "date", scope: "all", message: "DeviceScript has no Date; take time as a parameter (ms since boot from the shell)" },
    { id: "console-spread", scope: "all", message: "console.log(...x) does not compile in DeviceScript; join the values into one string first" },
    { id: "string-compare", scope: "all", typed: true, message: "<, >, <=, >= on strings compare as numbers in DeviceScript; use a strCmp() based on charCodeAt" },
    { id: "number-truthiness", scope: "all", typed: true, message: "a non-integer number is falsy in the DeviceScript 2.16.4 VM (0.5 || 7 is 7, if (2.5) is false); compare explicitly: x !== 0, x !== undefined, x > 0" },
    { id: "for-in-array", scope: "all", typed: true, message: "for…in over an array throws in DeviceScript; use for (let i = 0; i < a.length; i++) or for…of" },
    { id: "ds-import", scope: "portable", message: "portable code must not import @devicescript/* or @dsboard/*; inject what it needs through an interface" },
    { id: "ds-math", scope: "portable", message: "this Math extension exists only in DeviceScript; write it out (e.g. a clamp helper, Math.floor(a / b))" },
    { id: "clock", scope: "portable", message: "portable code must not read clocks or start timers; take time as a parameter and let the shell schedule" },
    { id: "buffer", scope: "portable", message: "Buffer differs between DeviceScript and Node; portable code uses number[]" },
]

/** Reported for a broken `// ds-lint-allow` comment; never suppressible. */
export const SUPPRESSION_RULE = "bad-suppression"

const RULE_BY_ID = new Map(RULES.map(r => [r.id, r]))

/** Fixes for the missing-method rule, keyed by method (or callee) name. */
const MISSING_METHODS: Record<string, string> = {
    splice: "use arr.insert(i, -n) to delete, arr.insert(i, n) to make room",
    concat: "copy with a loop or [...a, ...b]",
    reverse: "copy it backwards with a loop",
    padStart: "prepend in a while loop",
    padEnd: "append in a while loop",
    repeat: "build it in a loop",
    substring: "use slice(start, end)",
    replace: "use split(x).join(y) or indexOf + slice",
    replaceAll: "use split(x).join(y)",
}
const MISSING_STATICS: Record<string, string> = {
    "Array.from": "build the array with a loop or [...x]",
    "Object.entries": "use Object.keys(o) and index o[k]",
}
const MISSING_CALLS: Record<string, string> = {
    String: "use \"\" + x",
    Number: "use +s or parseFloat(s)",
}

const PORTABLE_CLOCKS = new Set(["setTimeout", "setInterval", "clearTimeout", "clearInterval", "performance", "process"])
const PORTABLE_DS_MATH = new Set(["constrain", "map", "randomInt", "idiv"])
const DS_ONLY_MODULE = /^@(devicescript|dsboard)\//

// ---------------------------------------------------------------------------------------------
// File classes and paths

/** The repo root: this file lives in <root>/tools. */
export const REPO_ROOT = path.resolve(__dirname, "..")

function globToRegExp(glob: string): RegExp {
    let re = ""
    for (let i = 0; i < glob.length; i++) {
        const ch = glob[i]
        if (ch === "*" && glob[i + 1] === "*") {
            // "a/**" matches everything below a; "**/" matches any number of folders.
            if (glob[i + 2] === "/") { re += "(?:.*/)?"; i += 2 } else { re += ".*"; i += 1 }
        } else if (ch === "*") re += "[^/]*"
        else re += ch.replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    }
    return new RegExp("^" + re + "$")
}

const CLASS_MATCHERS = FILE_CLASSES.map(c => ({ re: globToRegExp(c.glob), cls: c.cls }))

/** Repo-relative path with forward slashes; absolute paths outside the repo stay absolute. */
export function repoPath(p: string): string {
    const abs = path.resolve(REPO_ROOT, p)
    const rel = path.relative(REPO_ROOT, abs)
    if (rel.startsWith("..") || path.isAbsolute(rel)) return abs.split(path.sep).join("/")
    return rel.split(path.sep).join("/")
}

/** Class of a .ts file by the table; relative paths are taken as relative to the repo root. */
export function classify(p: string): FileClass | undefined {
    const rel = repoPath(p)
    if (!rel.endsWith(".ts") || rel.endsWith(".d.ts")) return undefined
    for (const m of CLASS_MATCHERS) if (m.re.test(rel)) return m.cls
    return undefined
}

/** Every classified .ts file under `dir` (absolute paths, sorted). */
export function collectFiles(dir: string = REPO_ROOT): string[] {
    const out: string[] = []
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, e.name)
            if (e.isDirectory()) {
                if (!SKIP_DIRS.has(e.name) && !SKIP_PATHS.has(repoPath(full))) walk(full)
            } else if (e.isFile() && classify(full)) out.push(full)
        }
    }
    walk(dir)
    return out.sort()
}

// ---------------------------------------------------------------------------------------------
// Suppressions: `// ds-lint-allow rule-id[, rule-id]: reason` on its own line, before the code.

interface Suppressions {
    /** line (1-based) -> rule ids allowed on it */
    byLine: Map<number, Set<string>>
    problems: Finding[]
}

const ALLOW_LINE = /^\s*\/\/\s*ds-lint-allow\b(.*)$/
const ALLOW_ANYWHERE = /\/\/\s*ds-lint-allow\b/

function parseSuppressions(file: string, text: string): Suppressions {
    const lines = text.split(/\r?\n/)
    const byLine = new Map<number, Set<string>>()
    const problems: Finding[] = []
    const bad = (i: number, col: number, message: string) =>
        problems.push({ file, line: i + 1, col, rule: SUPPRESSION_RULE, message })
    for (let i = 0; i < lines.length; i++) {
        const m = ALLOW_LINE.exec(lines[i])
        if (!m) {
            const at = lines[i].search(ALLOW_ANYWHERE)
            if (at >= 0) bad(i, at + 1, "ds-lint-allow must be on its own line, directly before the code it allows")
            continue
        }
        const col = lines[i].indexOf("//") + 1
        const colon = m[1].indexOf(":")
        const ids = (colon < 0 ? m[1] : m[1].slice(0, colon)).split(",").map(s => s.trim()).filter(s => s)
        const reason = colon < 0 ? "" : m[1].slice(colon + 1).trim()
        const unknown = ids.filter(id => !RULE_BY_ID.has(id))
        if (ids.length === 0) { bad(i, col, "ds-lint-allow names no rule; write `// ds-lint-allow rule-id: reason`"); continue }
        if (unknown.length) { bad(i, col, "ds-lint-allow names unknown rule " + unknown.join(", ")); continue }
        if (!reason) { bad(i, col, "ds-lint-allow needs a reason: `// ds-lint-allow " + ids.join(", ") + ": why this is safe`"); continue }
        // A run of allow lines applies to the first line after the run.
        let target = i + 1
        while (target < lines.length && ALLOW_LINE.test(lines[target])) target++
        const set = byLine.get(target + 1) ?? new Set<string>()
        ids.forEach(id => set.add(id))
        byLine.set(target + 1, set)
    }
    return { byLine, problems }
}

// ---------------------------------------------------------------------------------------------
// The per-file checker

interface Ctx {
    sf: ts.SourceFile
    file: string
    cls: FileClass
    checker?: ts.TypeChecker
    /** Names declared anywhere in the file (imports included): such names are not the globals. */
    declared: Set<string>
    findings: Finding[]
}

/** `detail` prefixes the rule's message; `own` replaces it (when the fix depends on the case). */
function report(c: Ctx, node: ts.Node, rule: string, detail?: string, own?: string): void {
    const r = RULE_BY_ID.get(rule)!
    if (r.scope === "portable" && c.cls !== "portable") return
    const pos = c.sf.getLineAndCharacterOfPosition(node.getStart(c.sf))
    const message = own ?? (detail ? detail + ": " + r.message : r.message)
    c.findings.push({ file: c.file, line: pos.line + 1, col: pos.character + 1, rule, message })
}

const DECLARATION_KINDS = new Set([
    ts.SyntaxKind.VariableDeclaration, ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.FunctionExpression,
    ts.SyntaxKind.ClassDeclaration, ts.SyntaxKind.ClassExpression, ts.SyntaxKind.Parameter,
    ts.SyntaxKind.BindingElement, ts.SyntaxKind.ImportClause, ts.SyntaxKind.NamespaceImport,
    ts.SyntaxKind.ImportSpecifier, ts.SyntaxKind.ImportEqualsDeclaration, ts.SyntaxKind.EnumDeclaration,
    ts.SyntaxKind.InterfaceDeclaration, ts.SyntaxKind.TypeAliasDeclaration, ts.SyntaxKind.TypeParameter,
    ts.SyntaxKind.ModuleDeclaration,
])

/** File-wide, scope-blind: a local `process` or an imported Map shadows the global everywhere. */
function declaredNames(sf: ts.SourceFile): Set<string> {
    const names = new Set<string>()
    const walk = (n: ts.Node) => {
        const name = (n as { name?: ts.Node }).name
        if (DECLARATION_KINDS.has(n.kind) && name && ts.isIdentifier(name)) names.add(name.text)
        ts.forEachChild(n, walk)
    }
    walk(sf)
    return names
}

/** True if `id` refers to a binding (not a property name, declaration name or label). */
function isReference(id: ts.Identifier): boolean {
    const p = id.parent as ts.Node & { name?: ts.Node; propertyName?: ts.Node; label?: ts.Node }
    if (p.name === id) return ts.isShorthandPropertyAssignment(p)
    if (p.propertyName === id || p.label === id) return false
    if (ts.isQualifiedName(p) && p.right === id) return false
    return true
}

function isAmbient(node: ts.Node): boolean {
    if (!ts.canHaveModifiers(node)) return false
    return (ts.getModifiers(node) ?? []).some(m => m.kind === ts.SyntaxKind.DeclareKeyword)
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
    return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some(m => m.kind === kind)
}

/** Type positions: identifiers there have no runtime meaning (except `class X extends Base`). */
function startsTypeContext(node: ts.Node): boolean {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true
    if (ts.isExpressionWithTypeArguments(node)) {
        const h = node.parent
        return !(ts.isHeritageClause(h) && h.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(h.parent))
    }
    return ts.isTypeNode(node)
}

function isIdent(node: ts.Node, name: string): boolean {
    return ts.isIdentifier(node) && node.text === name
}

function isNullLiteral(node: ts.Node): boolean {
    return node.kind === ts.SyntaxKind.NullKeyword
}

function visit(node: ts.Node, c: Ctx, inType: boolean): void {
    if (isAmbient(node)) return
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isImportEqualsDeclaration(node)) {
        checkModuleRef(node, c)
        return
    }
    const typeCtx = inType || startsTypeContext(node)
    if (ts.isIdentifier(node)) checkIdentifier(node, c, typeCtx)
    else if (!typeCtx) checkValueNode(node, c)
    ts.forEachChild(node, child => visit(child, c, typeCtx))
}

function checkValueNode(node: ts.Node, c: Ctx): void {
    if (ts.isCallExpression(node)) checkCall(node, c)
    else if (ts.isBinaryExpression(node)) checkBinary(node, c)
    else if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) checkIncDec(node, c)
    else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) checkMemberAccess(node, c)
    else if (ts.isTemplateExpression(node)) checkTemplate(node, c)
    else if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) checkClass(node, c)
    else if (ts.isPropertyDeclaration(node)) checkProperty(node, c)
    else if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) report(c, node, "accessor")
    else if (ts.isClassStaticBlockDeclaration(node)) report(c, node, "static-init")
    else if (ts.isPrivateIdentifier(node)) report(c, node, "private-name")
    else if (ts.isLabeledStatement(node)) report(c, node, "label")
    else if (ts.isDoStatement(node)) report(c, node, "do-while")
    else if (ts.isVariableDeclarationList(node)) checkVar(node, c)
    else if (ts.isForInStatement(node)) checkForIn(node, c)
    else if (ts.isIfStatement(node) || ts.isWhileStatement(node)) checkTruthiness(node.expression, c)
    else if (ts.isForStatement(node) && node.condition) checkTruthiness(node.condition, c)
    else if (ts.isConditionalExpression(node)) checkTruthiness(node.condition, c)
    else if (ts.isForOfStatement(node) && node.awaitModifier) report(c, node, "generator", "for await")
    else if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclarationBase).asteriskToken) report(c, node, "generator", "generator function")
    else if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) report(c, node, "regexp")
}

// -- identifiers: globals that DeviceScript lacks or that portable code must not touch

function checkIdentifier(id: ts.Identifier, c: Ctx, inType: boolean): void {
    if (!isReference(id)) return
    const name = id.text
    const portable = c.cls === "portable"
    if (name === "arguments" && !inType) return report(c, id, "arguments")
    // Portable code may not use Map/Set at all, imported or not.
    if ((name === "Map" || name === "Set") && portable) return report(c, id, "map-set")
    if (c.declared.has(name)) return
    if (name === "Date") return report(c, id, "date")
    if (name === "Buffer" && portable) return report(c, id, "buffer")
    if (inType) return
    if (name === "Map" || name === "Set") return report(c, id, "map-set")
    if (name === "Promise") return report(c, id, "promise")
    if (name === "RegExp") return report(c, id, "regexp")
    if (PORTABLE_CLOCKS.has(name) && portable) return report(c, id, "clock", name)
}

// -- calls

function checkCall(call: ts.CallExpression, c: Ctx): void {
    const callee = call.expression
    if (callee.kind === ts.SyntaxKind.ImportKeyword) return checkDynamicImport(call, c)
    if (ts.isIdentifier(callee)) {
        const fix = MISSING_CALLS[callee.text]
        if (fix && !c.declared.has(callee.text)) reportMissing(c, call, callee.text + "(x)", fix)
        return
    }
    if (!ts.isPropertyAccessExpression(callee)) return
    if (isUserMethod(callee.name, c)) return
    const name = callee.name.text
    const obj = callee.expression
    const args = call.arguments
    const spread = args.some(a => ts.isSpreadElement(a))
    if (isIdent(obj, "Math") && (name === "max" || name === "min") && (args.length > 2 || spread))
        report(c, call, "math-minmax-args")
    if (isIdent(obj, "console")) checkConsole(call, c, spread)
    if (name === "toFixed") report(c, call, "to-fixed")
    if (name === "apply" || name === "call" || name === "bind") report(c, call, "apply-call-bind", "." + name + "()")
    if (name === "reduce" && args.length === 1) report(c, call, "reduce-no-init")
    if (name === "then") report(c, call, "promise", ".then()")
    checkMissingMethod(call, obj, name, c)
}

/**
 * With types, a method the project declares itself (say a store's `replace()`) is not the missing
 * library method of the same name. Without types (DS-only files) we cannot tell, so it is flagged.
 */
function isUserMethod(name: ts.MemberName, c: Ctx): boolean {
    const decls = c.checker?.getSymbolAtLocation(name)?.declarations
    return !!decls && decls.length > 0 && decls.every(d => !d.getSourceFile().hasNoDefaultLib)
}

function checkMissingMethod(call: ts.CallExpression, obj: ts.Expression, name: string, c: Ctx): void {
    if (ts.isIdentifier(obj)) {
        const key = obj.text + "." + name
        if (MISSING_STATICS[key]) return reportMissing(c, call, key + "()", MISSING_STATICS[key])
        // Buffer.concat is one of the few concat that DeviceScript has.
        if (obj.text === "Buffer" && name === "concat") return
    }
    const fix = MISSING_METHODS[name]
    if (fix) reportMissing(c, call, "." + name + "()", fix)
}

function reportMissing(c: Ctx, call: ts.CallExpression, what: string, fix: string): void {
    report(c, call, "missing-method", undefined, what + " is missing in DeviceScript 2.16.4; " + fix)
}

function checkConsole(call: ts.CallExpression, c: Ctx, spread: boolean): void {
    if (spread) report(c, call, "console-spread")
    // console.log formats its arguments like a template, with the same 7-value limit.
    else if (call.arguments.length >= 8) report(c, call, "template-subst", call.arguments.length + " console arguments")
}

// -- operators

const ASSIGNMENTS = new Set([
    ts.SyntaxKind.EqualsToken, ts.SyntaxKind.PlusEqualsToken, ts.SyntaxKind.MinusEqualsToken,
    ts.SyntaxKind.AsteriskEqualsToken, ts.SyntaxKind.SlashEqualsToken, ts.SyntaxKind.PercentEqualsToken,
    ts.SyntaxKind.AsteriskAsteriskEqualsToken, ts.SyntaxKind.LessThanLessThanEqualsToken,
    ts.SyntaxKind.GreaterThanGreaterThanEqualsToken, ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
    ts.SyntaxKind.AmpersandEqualsToken, ts.SyntaxKind.BarEqualsToken, ts.SyntaxKind.CaretEqualsToken,
    ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken,
])
const LOGICAL_ASSIGNMENTS = new Set([
    ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken,
])
const RELATIONAL = new Set([
    ts.SyntaxKind.LessThanToken, ts.SyntaxKind.GreaterThanToken,
    ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanEqualsToken,
])

function checkBinary(b: ts.BinaryExpression, c: Ctx): void {
    const op = b.operatorToken.kind
    if (op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) {
        if (!isNullLiteral(b.left) && !isNullLiteral(b.right)) report(c, b.operatorToken, "loose-equality")
    } else if (op === ts.SyntaxKind.InKeyword) report(c, b.operatorToken, "in-operator")
    else if (RELATIONAL.has(op)) checkStringCompare(b, c)
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.AmpersandAmpersandToken) checkTruthiness(b.left, c)
    if (LOGICAL_ASSIGNMENTS.has(op)) report(c, b.operatorToken, "logical-assign")
    if (ASSIGNMENTS.has(op) && isLengthTarget(b.left, c)) report(c, b, "array-length-assign")
}

/** A number used as a condition: only integers test correctly in the VM. */
function checkTruthiness(e: ts.Expression, c: Ctx): void {
    if (!c.checker) return
    while (ts.isParenthesizedExpression(e)) e = e.expression
    const t = c.checker.getTypeAtLocation(e)
    if ((t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0) return
    if (someType(t, x => (x.flags & ts.TypeFlags.NumberLike) !== 0)) report(c, e, "number-truthiness")
}

function checkIncDec(u: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression, c: Ctx): void {
    if (ts.isPrefixUnaryExpression(u) && u.operator === ts.SyntaxKind.ExclamationToken) checkTruthiness(u.operand, c)
    const op = u.operator
    if ((op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken) && isLengthTarget(u.operand, c))
        report(c, u, "array-length-assign")
}

/** `x.length` / `x["length"]` on something that is (or may be) an array. */
function isLengthTarget(target: ts.Expression, c: Ctx): boolean {
    let obj: ts.Expression
    if (ts.isPropertyAccessExpression(target) && target.name.text === "length") obj = target.expression
    else if (ts.isElementAccessExpression(target) && ts.isStringLiteral(target.argumentExpression) && target.argumentExpression.text === "length")
        obj = target.expression
    else return false
    if (!c.checker) return true
    // With types, skip objects that merely have a `length` field.
    const t = c.checker.getTypeAtLocation(obj)
    return (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0 || someType(t, x => isArrayType(x))
}

function checkStringCompare(b: ts.BinaryExpression, c: Ctx): void {
    const literal = (e: ts.Expression) => ts.isStringLiteralLike(e) || ts.isTemplateExpression(e)
    if (literal(b.left) || literal(b.right)) return report(c, b.operatorToken, "string-compare")
    if (!c.checker) return
    const ch = c.checker
    if (isStringType(ch, ch.getTypeAtLocation(b.left)) || isStringType(ch, ch.getTypeAtLocation(b.right)))
        report(c, b.operatorToken, "string-compare")
}

// -- types

function someType(t: ts.Type, pred: (t: ts.Type) => boolean): boolean {
    return t.isUnionOrIntersection() ? t.types.some(x => someType(x, pred)) : pred(t)
}

function isStringType(ch: ts.TypeChecker, t: ts.Type): boolean {
    return someType(t, x => {
        if (x.flags & ts.TypeFlags.StringLike) return true
        if (x.flags & ts.TypeFlags.TypeParameter) {
            const base = ch.getBaseConstraintOfType(x)
            return !!base && base !== x && isStringType(ch, base)
        }
        return false
    })
}

/** Arrays, readonly arrays and tuples (the checker's own isArrayType is not public in TS 4.9). */
function isArrayType(t: ts.Type): boolean {
    const name = t.getSymbol()?.name
    if (name === "Array" || name === "ReadonlyArray") return true
    if (!(t.flags & ts.TypeFlags.Object)) return false
    const obj = t as ts.ObjectType
    return (obj.objectFlags & ts.ObjectFlags.Reference) !== 0 &&
        ((t as ts.TypeReference).target.objectFlags & ts.ObjectFlags.Tuple) !== 0
}

function checkForIn(f: ts.ForInStatement, c: Ctx): void {
    if (ts.isArrayLiteralExpression(f.expression)) return report(c, f.expression, "for-in-array")
    if (c.checker && someType(c.checker.getTypeAtLocation(f.expression), isArrayType)) report(c, f.expression, "for-in-array")
}

// -- members, classes, declarations

function checkMemberAccess(e: ts.PropertyAccessExpression | ts.ElementAccessExpression, c: Ctx): void {
    if (e.expression.kind === ts.SyntaxKind.SuperKeyword) return report(c, e, "super-property")
    if (ts.isPropertyAccessExpression(e) && isIdent(e.expression, "Math") && PORTABLE_DS_MATH.has(e.name.text))
        report(c, e, "ds-math", "Math." + e.name.text)
}

function checkTemplate(t: ts.TemplateExpression, c: Ctx): void {
    if (t.templateSpans.length >= 8) report(c, t, "template-subst", t.templateSpans.length + " substitutions")
}

function checkClass(cl: ts.ClassDeclaration | ts.ClassExpression, c: Ctx): void {
    if (ts.isClassExpression(cl)) report(c, cl, "nested-class", "class expression")
    else if (!ts.isSourceFile(cl.parent)) report(c, cl, "nested-class", "class declared inside a block or function")
}

function checkProperty(p: ts.PropertyDeclaration, c: Ctx): void {
    if (hasModifier(p, ts.SyntaxKind.StaticKeyword) && p.initializer) report(c, p, "static-init")
    // TS 4.9 `accessor x` fields are getter/setter pairs underneath.
    if (hasModifier(p, ts.SyntaxKind.AccessorKeyword)) report(c, p, "accessor", "accessor field")
}

function checkVar(list: ts.VariableDeclarationList, c: Ctx): void {
    if ((list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) report(c, list, "var")
}

// -- imports

function moduleName(node: ts.ImportDeclaration | ts.ExportDeclaration | ts.ImportEqualsDeclaration): ts.Expression | undefined {
    if (ts.isImportEqualsDeclaration(node))
        return ts.isExternalModuleReference(node.moduleReference) ? node.moduleReference.expression : undefined
    return node.moduleSpecifier
}

function checkModuleRef(node: ts.ImportDeclaration | ts.ExportDeclaration | ts.ImportEqualsDeclaration, c: Ctx): void {
    const spec = moduleName(node)
    if (spec && ts.isStringLiteral(spec) && DS_ONLY_MODULE.test(spec.text)) report(c, spec, "ds-import", spec.text)
}

function checkDynamicImport(call: ts.CallExpression, c: Ctx): void {
    const arg = call.arguments[0]
    if (arg && ts.isStringLiteral(arg) && DS_ONLY_MODULE.test(arg.text)) report(c, arg, "ds-import", arg.text)
}

// ---------------------------------------------------------------------------------------------
// Driver

export interface Source {
    /** Path as reported (repo-relative when inside the repo). */
    file: string
    /** Absolute path (also used as the program's file name). */
    abs: string
    text: string
    cls: FileClass
}

export interface LintResult {
    findings: Finding[]
    files: number
    suppressed: number
    /** Problems of the linter itself (e.g. the type checker could not be set up). */
    warnings: string[]
}

export const PORTABLE_COMPILER_OPTIONS: ts.CompilerOptions = ts.convertCompilerOptionsFromJson({
    strict: true,
    target: "es2020",
    lib: ["es2020"],
    moduleResolution: "node",
    skipLibCheck: true,
    noEmit: true,
    // No @types/*: portable code must not lean on Node's globals.
    types: [],
}, REPO_ROOT).options

/** Parsed lib.*.d.ts files, shared by every program of this process (the tests build many). */
const LIB_CACHE = new Map<string, ts.SourceFile>()

/** One program over the portable sources; their text comes from memory, imports from disk. */
function buildProgram(sources: Source[]): ts.Program {
    const host = ts.createCompilerHost(PORTABLE_COMPILER_OPTIONS, true)
    const byPath = new Map(sources.map(s => [path.normalize(s.abs), s]))
    const libDir = path.normalize(host.getDefaultLibLocation!())
    const getSourceFile = host.getSourceFile.bind(host)
    const fileExists = host.fileExists.bind(host)
    const readFile = host.readFile.bind(host)
    host.getSourceFile = (name, lang, onError, fresh) => {
        const norm = path.normalize(name)
        const s = byPath.get(norm)
        if (s) return ts.createSourceFile(name, s.text, lang, true)
        if (path.dirname(norm) !== libDir) return getSourceFile(name, lang, onError, fresh)
        const key = norm + "|" + JSON.stringify(lang)
        let sf = LIB_CACHE.get(key)
        if (!sf) {
            sf = getSourceFile(name, lang, onError, fresh)
            if (sf) LIB_CACHE.set(key, sf)
        }
        return sf
    }
    host.fileExists = name => byPath.has(path.normalize(name)) || fileExists(name)
    host.readFile = name => byPath.get(path.normalize(name))?.text ?? readFile(name)
    return ts.createProgram(sources.map(s => s.abs), PORTABLE_COMPILER_OPTIONS, host)
}

function lintSource(s: Source, sf: ts.SourceFile, checker: ts.TypeChecker | undefined): { findings: Finding[]; suppressed: number } {
    const c: Ctx = { sf, file: s.file, cls: s.cls, checker, declared: declaredNames(sf), findings: [] }
    visit(sf, c, false)
    const sup = parseSuppressions(s.file, s.text)
    const kept = c.findings.filter(f => !sup.byLine.get(f.line)?.has(f.rule))
    return { findings: kept.concat(sup.problems), suppressed: c.findings.length - kept.length }
}

function byPosition(a: Finding, b: Finding): number {
    return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col
}

/** Lint in-memory sources (the test uses this for texts that are not files). */
export function lintSources(sources: Source[]): LintResult {
    const result: LintResult = { findings: [], files: sources.length, suppressed: 0, warnings: [] }
    const portable = sources.filter(s => s.cls === "portable")
    let program: ts.Program | undefined
    let checker: ts.TypeChecker | undefined
    if (portable.length) {
        try {
            program = buildProgram(portable)
            checker = program.getTypeChecker()
        } catch (e) {
            result.warnings.push("type checker unavailable, type-aware rules skipped: " + (e as Error).message)
        }
    }
    for (const s of sources) {
        const sf = (s.cls === "portable" && program?.getSourceFile(s.abs)) ||
            ts.createSourceFile(s.abs, s.text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS)
        const r = lintSource(s, sf, s.cls === "portable" ? checker : undefined)
        result.findings.push(...r.findings)
        result.suppressed += r.suppressed
    }
    result.findings.sort(byPosition)
    return result
}

function toSources(paths: string[], forceClass?: FileClass): Source[] {
    const out: Source[] = []
    for (const p of paths) {
        const abs = path.resolve(p)
        const cls = forceClass ?? classify(abs)
        if (!cls) continue
        out.push({ file: repoPath(abs), abs, text: fs.readFileSync(abs, "utf8"), cls })
    }
    return out
}

export interface LintOptions {
    forceClass?: FileClass
}

/** Lint files (paths relative to the cwd, or absolute); unclassified files are skipped unless forced. */
export function lintFilesDetailed(paths: string[], opts: LintOptions = {}): LintResult {
    return lintSources(toSources(paths, opts.forceClass))
}

export function lintFiles(paths: string[], opts: LintOptions = {}): Finding[] {
    return lintFilesDetailed(paths, opts).findings
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = "usage: ds_lint.ts [--json] [--class portable|devicescript] [file|dir ...]"

interface Cli {
    json: boolean
    forceClass?: FileClass
    targets: string[]
}

function parseArgs(argv: string[]): Cli | string {
    const cli: Cli = { json: false, targets: [] }
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]
        if (a === "--json") cli.json = true
        else if (a === "--class") {
            const v = argv[++i]
            if (v !== "portable" && v !== "devicescript") return "--class needs portable or devicescript"
            cli.forceClass = v
        } else if (a === "-h" || a === "--help") return ""
        else if (a.startsWith("-")) return "unknown option " + a
        else cli.targets.push(a)
    }
    return cli
}

/** Expand directories; a missing path is a usage error. */
function expandTargets(targets: string[]): string[] | string {
    const files: string[] = []
    for (const t of targets) {
        if (!fs.existsSync(t)) return "no such file: " + t
        if (fs.statSync(t).isDirectory()) files.push(...collectFiles(path.resolve(t)))
        else files.push(t)
    }
    return files
}

export function main(argv: string[]): number {
    const cli = parseArgs(argv)
    if (typeof cli === "string") {
        console.error((cli ? "ds-lint: " + cli + "\n" : "") + USAGE)
        return 2
    }
    const files = cli.targets.length ? expandTargets(cli.targets) : collectFiles()
    if (typeof files === "string") {
        console.error("ds-lint: " + files + "\n" + USAGE)
        return 2
    }
    for (const f of files)
        if (!cli.forceClass && !classify(path.resolve(f))) console.error("ds-lint: " + repoPath(path.resolve(f)) + " is Node-only, skipped")
    const r = lintFilesDetailed(files, { forceClass: cli.forceClass })
    r.warnings.forEach(w => console.error("ds-lint: warning: " + w))
    for (const f of r.findings)
        console.log(cli.json ? JSON.stringify(f) : `${f.file}:${f.line}:${f.col} ${f.rule} ${f.message}`)
    const summary = `ds-lint: ${r.files} files, ${r.findings.length} findings, ${r.suppressed} suppressed`
    // Keep stdout pure JSON lines in --json mode.
    if (cli.json) console.error(summary)
    else console.log(summary)
    return r.findings.length ? 1 : 0
}

if (typeof require !== "undefined" && require.main === module) process.exitCode = main(process.argv.slice(2))
