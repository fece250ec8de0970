-- provider-fallback: a chain of models; the first that answers wins.
llm.fallbacks({"local/smollm2"})
local answer = llm.chat("Say hello in French.", {
  model = params.get("primary"), temperature = 0, max_tokens = 30,
})
print("answered by " .. answer.model .. ": " .. answer.text)
