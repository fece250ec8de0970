// hello-js: parameters, structured logs, and state that lives across runs.
// The API is synchronous: no `await` is needed (writing one is harmless).
const name = params.get("name");
const times = params.get("times");
let greeting = "Hello, " + name + "!";
if (params.get("style") === "loud") {
  greeting = greeting.toUpperCase();
}

for (let i = 1; i <= times; i++) {
  print(greeting);
}

// "spell" scope persists across runs of this spell; "run" scope (the default) does not.
const total = state.update("greetings", (old) => (old ?? 0) + times, "spell");
state.set("last_greeted", name);
log.info("greeted", { name, times, total });
print(`${total} greeting(s) so far across runs`);
