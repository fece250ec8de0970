// The JavaScript side of the debugger: the hooks an instrumented spell calls
// (engines/javascript/instrument.py), the shadow call stack, and the answers to the host's
// questions while the spell is stopped (engines/javascript/debug.py).
//
// Runs once, right after the prelude, only when a debugger is attached. The prelude hands it
// `request` (a message to the host, answered synchronously); it returns `query` (the prelude
// calls it for each question the host asks while a request is pending), `callback` (the
// prelude runs every function the host calls back through it) and a SharedArrayBuffer that
// the host writes directly: control words and one byte per source line (a breakpoint there;
// byte 0: every hook must call `hook`).
__llmspell_debug(function (bridge) {
  "use strict";
  const { request } = bridge;
  const global = globalThis;
  const { exchange } = Atomics;
  const { defineProperty, keys, getPrototypeOf } = Object;
  const { isArray } = Array;
  const { stringify } = JSON;
  const apply = Reflect.apply;
  const indirectEval = eval;
  const ProxyCtor = Proxy;
  const unscopables = Symbol.unscopables;
  // Code evaluated in a frame runs here, over the frame's accessor (see scope below): the
  // spell's functions hold no direct eval, which would keep V8 from optimising them. A
  // function made by the Function constructor is sloppy, so it may use `with`.
  const evaluateIn = new Function(
    "__dbg_scope",
    "__dbg_code",
    "with (__dbg_scope) { return eval(__dbg_code); }",
  );
  const ErrorCtor = Error;
  const RangeErrorCtor = RangeError;
  const MapCtor = Map;
  const SetCtor = Set;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;

  const MAX_LINES = 1 << 16;
  const buffer = new SharedArrayBuffer(32 + MAX_LINES);
  // ctl[0]: attention (the host wants a word: pause, new breakpoints), set by the host;
  // ctl[1]: step mode (0 none, 1 every line, 2 over: depth <= ctl[2], 3 out: depth < ctl[2]).
  const ctl = new Int32Array(buffer, 0, 8);
  const lines = new Uint8Array(buffer, 32, MAX_LINES);

  const stack = []; // frames {name, code, ev, t}: innermost last, `depth` of them
  let depth = 0;
  const boundaries = []; // stack heights where the host called back into the spell
  let busy = false; // a stop is being served: hooks stay quiet
  let topEval = null; // the exact evaluator of the statement stopped at
  let lastThrown; // the error already judged (caught, or stopped at) while it unwinds
  let handles = [null]; // values expanded lazily, while stopped

  // -- hooks the instrumented spell calls ---------------------------------------------------

  // The stack's height is `depth`, not the array's length: shrinking an array's length on
  // every return costs V8 far more than the call itself (fib: 40 → 15 ms of overhead).
  function enter(name) {
    if (depth === 0) settle(); // a run (or a callback) starts: the step mode set before it
    const frame = { name, code: 0, ev: undefined, t: 0, w: false, s0: 0, s1: 0, s2: 0, s3: 0 };
    stack[depth++] = frame;
    return frame;
  }

  function leave(frame) {
    if (stack[depth - 1] === frame) {
      stack[--depth] = undefined;
      return;
    }
    const index = indexOf(frame);
    if (index < 0) return;
    for (let i = index; i < depth - 1; i++) stack[i] = stack[i + 1];
    stack[--depth] = undefined;
  }

  function indexOf(frame) {
    for (let i = depth - 1; i >= 0; i--) if (stack[i] === frame) return i;
    return -1;
  }

  // Before a statement: true when the host must hear of it. CODE is line * 64 + the hook's
  // rank on its line; a later hook of the line just seen in this frame is not a new line.
  function hook(frame, code, ev) {
    const previous = frame.code;
    frame.code = code;
    frame.ev = ev;
    if (busy) return false;
    if ((previous ^ code) < 64 && code > previous) return false;
    // Plain reads: Atomics.load costs several times the rest of the hook in a hot loop, and
    // V8 does not keep typed-array loads out of a loop, so the host's writes are seen.
    if (ctl[0] !== 0) return true;
    if (lines[code >> 6] === 1) return true;
    const mode = ctl[1];
    if (mode === 0) return false;
    if (mode === 1) return true;
    return mode === 2 ? depth <= ctl[2] : depth < ctl[2];
  }

  // A stop; true when the client assigned one of the loop variables the hook copied into the
  // frame (the hook then copies them back).
  function stop(frame, ev) {
    const attention = exchange(ctl, 0, 0);
    busy = true;
    handles = [null];
    topEval = ev;
    frame.w = false;
    try {
      request(["dbg", "line", frame.code >> 6, depth, attention]);
    } finally {
      busy = false;
      topEval = null;
      settle();
    }
    return frame.w;
  }

  // CODE -> the loop variables its hook copies into the frame (s0...), from instrument.py.
  const snapshots = new MapCtor();
  function snapshotTable(table) {
    for (const code of keys(table)) snapshots.set(+code, table[code]);
  }

  // After a stop: whether every hook must still call `hook` (lines[0], read inline by the
  // instrumented spell). The host sets it too, with the attention word or a step mode.
  function settle() {
    lines[0] = ctl[0] !== 0 || ctl[1] !== 0 ? 1 : 0;
  }

  function suspend(frame, value) {
    leave(frame);
    return value;
  }

  function resume(frame, value) {
    stack[depth++] = frame;
    return value;
  }

  function caught() {
    lastThrown = undefined;
  }

  // An error leaves a frame: stop where it was thrown if nothing in the spell catches it.
  function thrown(frame, error) {
    if (busy || error === lastThrown) return;
    lastThrown = error;
    // At the stack's limit there is no room to serve a stop (the run ends as `recursion`).
    if (error instanceof RangeErrorCtor && depth > 500) return;
    if (indexOf(frame) < 0) stack[depth++] = frame; // a rejected await
    const floor = boundaries.length ? boundaries[boundaries.length - 1] : 0;
    for (let i = depth - 1; i >= floor; i--) if (stack[i].t > 0) return;
    if (floor > 0) {
      // A callback: the host decides, and may throw it again in the caller.
      lastThrown = undefined;
      return;
    }
    busy = true;
    handles = [null];
    try {
      const [name, message] = describe(error);
      request(["dbg", "exception", frame.code >> 6, depth, name, message]);
    } finally {
      busy = false;
      settle();
    }
  }

  function describe(error) {
    try {
      if (error instanceof ErrorCtor) return ["" + error.name, "" + error.message];
      return ["", render(error)[0]];
    } catch (_) {
      return ["", "(error object is not a string)"];
    }
  }

  for (const [name, fn] of [
    ["__dbg_n", enter],
    ["__dbg_o", leave],
    ["__dbg_h", hook],
    ["__dbg_b", stop],
    ["__dbg_s", suspend],
    ["__dbg_r", resume],
    ["__dbg_t", thrown],
    ["__dbg_c", caught],
    ["__dbg_w", lines],
    ["__dbg_k", snapshotTable],
  ]) {
    defineProperty(global, name, { value: fn, writable: false, configurable: false });
  }

  function callback(fn, args) {
    boundaries[boundaries.length] = depth;
    try {
      return apply(fn, undefined, args);
    } finally {
      boundaries.length -= 1;
    }
  }

  // -- values -------------------------------------------------------------------------------

  function quote(text) {
    return stringify(text);
  }

  function preview(value) {
    if (typeof value === "string") return quote(value.length > 40 ? value.slice(0, 40) + "…" : value);
    if (typeof value === "function") return "ƒ";
    if (value !== null && typeof value === "object") return isArray(value) ? "[…]" : "{…}";
    return render(value)[0];
  }

  function className(value) {
    try {
      const proto = getPrototypeOf(value);
      if (proto === null) return "Object";
      const ctor = proto.constructor;
      return typeof ctor === "function" && ctor.name ? ctor.name : "Object";
    } catch (_) {
      return "Object";
    }
  }

  // [text, type, reference]: how a value shows in the variables pane.
  function render(value) {
    switch (typeof value) {
      case "undefined":
        return ["undefined", "undefined", 0];
      case "string":
        return [quote(value), "string", 0];
      case "number":
      case "boolean":
        return ["" + value, typeof value, 0];
      case "bigint":
        return [value + "n", "bigint", 0];
      case "symbol":
        return [value.toString(), "symbol", 0];
      case "function":
        return ["ƒ " + (value.name || "anonymous") + "()", "function", 0];
    }
    if (value === null) return ["null", "null", 0];
    const ref = handles.length;
    handles[ref] = value;
    if (isArray(value)) {
      const items = [];
      for (let i = 0; i < value.length && i < 10; i++) items[i] = preview(value[i]);
      if (value.length > 10) items[10] = "…";
      return ["(" + value.length + ") [" + items.join(", ") + "]", "array", ref];
    }
    if (value instanceof ErrorCtor) {
      let text;
      try {
        text = "" + value.name + ": " + value.message;
      } catch (_) {
        text = "Error";
      }
      return [text, "error", ref];
    }
    if (value instanceof MapCtor) return ["Map(" + value.size + ")", "map", ref];
    if (value instanceof SetCtor) return ["Set(" + value.size + ")", "set", ref];
    const name = className(value);
    const parts = [];
    let names = [];
    try {
      names = keys(value);
    } catch (_) {
      names = [];
    }
    for (let i = 0; i < names.length && i < 5; i++) {
      let shown;
      try {
        shown = preview(value[names[i]]);
      } catch (_) {
        shown = "?";
      }
      parts[i] = names[i] + ": " + shown;
    }
    if (names.length > 5) parts[5] = "…";
    const body = "{" + parts.join(", ") + "}";
    return [name === "Object" ? body : name + " " + body, "object", ref];
  }

  function entry(name, get) {
    try {
      return [name, ...render(get())];
    } catch (error) {
      if (error instanceof ReferenceError) return [name, "<uninitialized>", "", 0];
      return [name, "<error: " + describe(error)[1] + ">", "", 0];
    }
  }

  function children(value) {
    const found = [];
    if (value instanceof MapCtor) {
      for (const [key, item] of apply(mapEntries, value, [])) {
        found[found.length] = entry(typeof key === "string" ? key : render(key)[0], () => item);
      }
      return found;
    }
    if (value instanceof SetCtor) {
      let i = 0;
      for (const item of apply(setValues, value, [])) found[found.length] = entry("" + i++, () => item);
      return found;
    }
    if (value instanceof ErrorCtor) {
      found[found.length] = entry("message", () => value.message);
      found[found.length] = entry("stack", () => value.stack);
    }
    for (const key of keys(value)) found[found.length] = entry(key, () => value[key]);
    return found;
  }

  // -- questions from the host, while stopped ----------------------------------------------

  function frameAt(index) {
    const frame = index >= 1 && index <= depth ? stack[depth - index] : undefined;
    if (frame === undefined) throw new ErrorCtor("no frame " + index);
    return frame;
  }

  // The accessor a frame's names are read and assigned through: (name, op, value), op 0 to
  // read, 1 to ask whether the name is in scope, 2 to assign (engines/javascript/instrument.py).
  function accessor(index) {
    const frame = depth ? frameAt(index < 1 ? 1 : index) : undefined;
    const base = index <= 1 && topEval !== null ? topEval : frame && frame.ev;
    const names = frame !== undefined ? snapshots.get(frame.code) : undefined;
    if (names === undefined || base === undefined) return base;
    // The loop variables are the frame's copies (assigned back when the stop ends).
    return (name, op, value) => {
      const k = names.indexOf(name);
      if (k < 0) return base(name, op, value);
      if (op === 1) return 1;
      if (op === 2) {
        frame.w = true;
        return (frame["s" + k] = value);
      }
      return frame["s" + k];
    };
  }

  // A `with` object over an accessor: the frame's names first, then the globals.
  function scope(access) {
    return new ProxyCtor(
      {},
      {
        has: (_, key) => typeof key === "string" && access(key, 1) === 1,
        get: (_, key) => (key === unscopables ? undefined : access(key, 0)),
        set: (_, key, value) => {
          access(key, 2, value);
          return true;
        },
      },
    );
  }

  function evaluator(index) {
    const access = accessor(index);
    if (access === undefined) return indirectEval;
    return (code) => evaluateIn(scope(access), code);
  }

  function reader(access, name) {
    if (access !== undefined && access(name, 1) === 1) return () => access(name, 0);
    return () => indirectEval(name);
  }

  const questions = {
    stack() {
      const frames = [];
      for (let i = depth - 1; i >= 0; i--) {
        frames[frames.length] = [stack[i].name, stack[i].code];
      }
      return frames;
    },
    depth() {
      return depth;
    },
    release() {
      handles = [null];
      return null;
    },
    vars(index, names) {
      const access = accessor(index);
      return names.map((name) => entry(name, reader(access, name)));
    },
    globals() {
      return keys(global).map((name) => entry(name, () => global[name]));
    },
    children(ref) {
      const value = handles[ref];
      if (value === null || value === undefined) throw new ErrorCtor("that value is gone");
      return children(value);
    },
    eval(index, expression) {
      const value = evaluator(index)(expression);
      return [...render(value), !!value];
    },
    set(index, name, expression) {
      const value = evaluator(index)(name + " = (" + expression + "\n)");
      return render(value);
    },
    setGlobal(name, expression) {
      global[name] = evaluator(1)("(" + expression + "\n)");
      return render(global[name]);
    },
    setChild(ref, key, expression) {
      const target = handles[ref];
      if (target === null || target === undefined) throw new ErrorCtor("that value is gone");
      const value = evaluator(1)("(" + expression + "\n)");
      if (target instanceof MapCtor) target.set(key, value);
      else target[key] = value;
      return render(value);
    },
  };

  function query(message) {
    const wasBusy = busy;
    busy = true;
    try {
      return ["dres", apply(questions[message[1]], null, message.slice(2))];
    } catch (error) {
      const [name, text] = describe(error);
      return ["dres", null, name && name !== "Error" ? name + ": " + text : text];
    } finally {
      busy = wasBusy;
    }
  }

  return { query, callback, buffer };
});
