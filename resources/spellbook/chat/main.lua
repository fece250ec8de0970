-- chat: one question, the answer streamed chunk by chunk, then the usage.
local options = {temperature = 0, max_tokens = 80, seed = 1}
if params.get("model") ~= "" then options.model = params.get("model") end

log.info("asking", {model = options.model or llm.current()})
local answer = llm.stream({
  system = "You are a concise assistant.",
  prompt = params.get("question"),
}, function(chunk)
  write(chunk)
end, options)

print(("\n-- %d tokens in, %d out, model %s"):format(
  answer.usage.input_tokens, answer.usage.output_tokens, answer.model))
