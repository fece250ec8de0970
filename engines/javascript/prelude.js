// The JavaScript prelude: builds the sandbox a spell runs in.
//
// It runs once per engine, before the spell, as a function of `notify` (a host function
// that wakes the host when it sleeps) and the setup as JSON text; it keeps everything it
// needs in closures: the spell sees the API objects, `print` and `console`, never the
// bridge. Messages to the host travel as JSON text through a SharedArrayBuffer that Python
// reads and writes directly; the function returns that buffer.
(function (notify, setupText) {
  "use strict";
  const setup = JSON.parse(setupText);
  const global = globalThis;
  // Primordials, taken before the spell can change them.
  const { stringify, parse } = JSON;
  const { isArray } = Array;
  const { keys, hasOwn, defineProperty, freeze, create } = Object;
  const { isInteger, isFinite: isFiniteNumber, MAX_SAFE_INTEGER } = Number;
  const { load, store, wait } = Atomics;
  const fromCharCode = String.fromCharCode;
  const apply = Reflect.apply;
  const MapCtor = Map;
  const SetCtor = Set;
  const DateCtor = Date;
  const ErrorCtor = Error;
  const isView = ArrayBuffer.isView;
  const arrayFrom = Array.from;
  const toISOString = Date.prototype.toISOString;
  const charCodeAt = String.prototype.charCodeAt;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const setHas = Set.prototype.has;
  const setAdd = Set.prototype.add;
  const setDelete = Set.prototype.delete;
  const promiseThen = Promise.prototype.then;

  const token = setup.token;
  const buffer = new SharedArrayBuffer(setup.size);
  const header = new Int32Array(buffer, 0, 4);
  const data = new Uint16Array(buffer, 16);
  const capacity = data.length;
  // header[0]: who wrote last (1 = the spell, 2 = the host); header[1]: chunk length;
  // header[2]: 0 = last chunk, 1 = more chunks follow, 2 = acknowledge a chunk;
  const FROM_SPELL = 1;
  const FROM_HOST = 2;
  const TO_CLAIM = 3; // a whole message, that either of the host's threads may take
  const TAG = "\u0000";

  // -- the channel --------------------------------------------------------------------

  function awaitHost() {
    let spins = 0;
    let pause = 0.01;
    while (load(header, 0) !== FROM_HOST) {
      if (++spins < 2000) continue;
      wait(header, 0, FROM_SPELL, pause);
      if (pause < 1) pause *= 2;
    }
  }

  function signal(length, more) {
    header[1] = length;
    header[2] = more;
    store(header, 0, more === 0 && setup.claim ? TO_CLAIM : FROM_SPELL);
    // Returns once the host has answered (or at once, when the host polls instead).
    notify();
  }

  function writeText(text) {
    let offset = 0;
    for (;;) {
      const n = text.length - offset < capacity ? text.length - offset : capacity;
      for (let i = 0; i < n; i++) data[i] = apply(charCodeAt, text, [offset + i]);
      offset += n;
      const more = offset < text.length;
      signal(n, more ? 1 : 0);
      awaitHost();
      if (!more) return;
      // The host acknowledged the chunk (header[2] === 2): send the next one.
    }
  }

  function readText() {
    let text = "";
    for (;;) {
      const n = header[1];
      for (let start = 0; start < n; start += 8192) {
        const end = start + 8192 < n ? start + 8192 : n;
        text += apply(fromCharCode, null, data.subarray(start, end));
      }
      if (header[2] !== 1) return text;
      signal(0, 2);
      awaitHost();
    }
  }

  function exchange(message) {
    writeText(stringify(message));
    return parse(readText(), revive);
  }

  // -- values -------------------------------------------------------------------------

  const functions = new MapCtor(); // id -> function handed to the host
  let nextFunctionId = 1;
  const thrown = new MapCtor(); // token -> a value a callback threw, rethrown as it was
  let nextThrownId = 1;

  function ConversionError(message) {
    const error = new ErrorCtor(message);
    error.conversion = true;
    return error;
  }

  function encode(value, path, depth) {
    switch (typeof value) {
      case "undefined":
        return null;
      case "boolean":
      case "string":
        return value;
      case "number":
        if (isInteger(value) && (value > MAX_SAFE_INTEGER || value < -MAX_SAFE_INTEGER)) {
          return { [TAG]: "n", v: "" + value };
        }
        if (!isFiniteNumber(value)) return { [TAG]: "n", v: "" + value };
        return value;
      case "bigint":
        return { [TAG]: "i", v: "" + value };
      case "function": {
        const id = nextFunctionId++;
        apply(mapSet, functions, [id, value]);
        return { [TAG]: "f", i: id };
      }
      case "symbol":
        throw ConversionError("a symbol cannot be passed to the API");
    }
    if (value === null) return null;
    if (apply(setHas, path, [value])) {
      throw ConversionError("value contains a cycle (an object that contains itself)");
    }
    if (depth > 200) throw ConversionError("value nested deeper than 200 levels");
    if (value instanceof DateCtor) return apply(toISOString, value, []);
    apply(setAdd, path, [value]);
    let result;
    if (isArray(value) || isView(value)) {
      const items = isArray(value) ? value : arrayFrom(value);
      result = [];
      for (let i = 0; i < items.length; i++) result[i] = encode(items[i], path, depth + 1);
    } else if (value instanceof SetCtor) {
      result = [];
      for (const item of apply(setValues, value, [])) result.push(encode(item, path, depth + 1));
    } else if (value instanceof MapCtor) {
      result = create(null); // so that a "__proto__" key stays a key
      for (const [key, item] of apply(mapEntries, value, [])) {
        if (typeof key !== "string" && typeof key !== "number") {
          throw ConversionError("Map keys must be strings or numbers to be passed to the API");
        }
        result[key] = encode(item, path, depth + 1);
      }
      result = escapeTag(result);
    } else {
      result = create(null); // so that a "__proto__" key stays a key
      for (const key of keys(value)) result[key] = encode(value[key], path, depth + 1);
      result = escapeTag(result);
    }
    apply(setDelete, path, [value]);
    return result;
  }

  function escapeTag(object) {
    if (!hasOwn(object, TAG)) return object;
    const entries = [];
    for (const key of keys(object)) entries[entries.length] = [key, object[key]];
    return { [TAG]: "o", e: entries };
  }

  function pythonFunction(id) {
    return function (...args) {
      return request(["py", id, encodeAll(args)]);
    };
  }

  function revive(key, value) {
    if (value === null || typeof value !== "object" || isArray(value) || !hasOwn(value, TAG)) {
      return value;
    }
    switch (value[TAG]) {
      case "n":
        return +value.v;
      case "i":
        return BigInt(value.v);
      case "f":
        return apply(mapGet, functions, [value.i]);
      case "p":
        return pythonFunction(value.i);
      case "o": {
        const object = {};
        for (const [k, v] of value.e) {
          defineProperty(object, k, { value: v, writable: true, enumerable: true, configurable: true });
        }
        return object;
      }
    }
    return value;
  }

  function encodeAll(args) {
    const path = new SetCtor();
    const result = [];
    for (let i = 0; i < args.length; i++) result[i] = encode(args[i], path, 0);
    return result;
  }

  // -- requests -----------------------------------------------------------------------

  function errorText(error) {
    try {
      if (error instanceof ErrorCtor) return "" + error.message;
      return show(error);
    } catch (_) {
      return "(error object is not a string)";
    }
  }

  function errorStack(error) {
    try {
      return error instanceof ErrorCtor && typeof error.stack === "string" ? error.stack : "";
    } catch (_) {
      return "";
    }
  }

  function isThenable(value) {
    try {
      return value !== null && typeof value === "object" && typeof value.then === "function";
    } catch (_) {
      return false;
    }
  }

  // Set when a debugger is attached (engines/javascript/debug.js): it answers the host's
  // questions while the spell is stopped, and sees callbacks start and end.
  let debug = null;

  // Runs a function the host asked for and gives back the message that answers it.
  function runCallback(id, args) {
    const fn = apply(mapGet, functions, [id]);
    try {
      if (typeof fn !== "function") throw new ErrorCtor("the function is no longer available");
      const result = debug === null ? apply(fn, undefined, args) : debug.callback(fn, args);
      if (isThenable(result)) {
        apply(promiseThen, result, [undefined, () => {}]);
        return [
          "throw",
          "a callback returned a Promise: callbacks run synchronously, so pass a plain " +
            "(non-async) function; API calls need no await",
          0,
        ];
      }
      return ["ret", encode(result, new SetCtor(), 0)];
    } catch (error) {
      const id = nextThrownId++;
      apply(mapSet, thrown, [id, error]);
      return ["throw", errorText(error), id, errorStack(error)];
    }
  }

  function request(message) {
    let answer = exchange(message);
    for (;;) {
      const kind = answer[0];
      if (kind === "ok") {
        const released = answer[2];
        if (released) for (const id of released) apply(mapDelete, functions, [id]);
        return answer[1];
      }
      if (kind === "call") {
        answer = exchange(runCallback(answer[1], answer[2]));
        continue;
      }
      if (kind === "dbg" && debug !== null) {
        answer = exchange(debug.query(answer));
        continue;
      }
      if (kind === "rethrow") {
        const error = apply(mapGet, thrown, [answer[1]]);
        apply(mapDelete, thrown, [answer[1]]);
        throw error;
      }
      if (kind === "err") throw new ErrorCtor(answer[1]);
      throw new ErrorCtor("bad answer from the host: " + kind);
    }
  }

  // -- the spell's globals ------------------------------------------------------------

  function camel(name) {
    return name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  }

  const api = {};
  for (const [moduleName, names] of setup.api) {
    const module = {};
    for (const name of names) {
      let binding;
      // Named after the API function so stack traces read `at state.get`.
      binding = {
        [camel(name)](...args) {
          let encoded;
          try {
            encoded = encodeAll(args);
          } catch (error) {
            if (error && error.conversion) {
              throw new ErrorCtor(moduleName + "." + name + ": " + error.message);
            }
            throw error;
          }
          return request(["call", moduleName, name, encoded]);
        },
      }[camel(name)];
      module[camel(name)] = binding;
    }
    api[moduleName] = freeze(module);
  }

  function show(value) {
    if (typeof value === "string") return value;
    if (value === undefined) return "undefined";
    if (value === null) return "null";
    if (typeof value === "object" && !(value instanceof ErrorCtor)) {
      try {
        const text = stringify(value);
        if (text !== undefined) return text;
      } catch (_) {
        // cycles and BigInts: fall back to String()
      }
    }
    try {
      return "" + value;
    } catch (_) {
      return "[object]";
    }
  }

  function print(...args) {
    request(["print", args.map(show).join("\t")]);
  }

  // Like Lua's write: no separator, no newline (for streamed text).
  function write(...args) {
    request(["write", args.map(show).join("")]);
  }

  const levels = { debug: "debug", log: "info", info: "info", warn: "warn", error: "error" };
  const consoleObject = {};
  for (const method of keys(levels)) {
    consoleObject[method] =
      method === "log"
        ? print
        : (...args) => api.log[levels[method]](args.map(show).join(" "));
  }

  // What the spell must not reach: a second sandbox in WebAssembly, and ways to schedule
  // code outside the run (timers, finalizers), where the time limit cannot stop it.
  for (const name of setup.remove) {
    // mini-racer declares its timers with `var`: those cannot be deleted, only emptied.
    if (!Reflect.deleteProperty(global, name)) global[name] = undefined;
  }
  delete Atomics.waitAsync;

  const define = (name, value) =>
    defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  for (const name of keys(api)) define(name, api[name]);
  define("print", print);
  define("write", write);
  define("console", freeze(consoleObject));

  // -- entry points for the host (guarded by a token the spell never sees) --------------

  function finish(ok, error) {
    if (ok) {
      request(["done"]);
      return;
    }
    let name = "";
    try {
      name = error instanceof ErrorCtor ? "" + error.name : "";
    } catch (_) {
      name = "";
    }
    request(["fail", name, errorText(error), errorStack(error)]);
  }

  defineProperty(global, "__llmspell_enter", {
    configurable: true,
    value(fn) {
      delete global.__llmspell_enter;
      let promise;
      try {
        promise = fn();
      } catch (error) {
        finish(false, error);
        return;
      }
      apply(promiseThen, promise, [() => finish(true), (error) => finish(false, error)]);
    },
  });

  defineProperty(global, "__llmspell_invoke", {
    value(secret, id, argsText) {
      if (secret !== token) throw new ErrorCtor("not allowed");
      const answer = runCallback(id, parse(argsText, revive));
      return stringify(answer);
    },
  });

  if (setup.debug) {
    defineProperty(global, "__llmspell_debug", {
      configurable: true,
      value(install) {
        delete global.__llmspell_debug;
        debug = install({ request });
        return debug.buffer;
      },
    });
  }

  return buffer;
});
