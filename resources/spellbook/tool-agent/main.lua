-- tool-agent: the model decides which tools to call; the loop runs them and feeds back results.
-- Small local models rarely call tools: use a tool-calling model, or replay the recording:
--   llmspell run resources/spellbook/tool-agent --replay resources/spellbook/tool-agent/recording.jsonl
local config = {
  name = "assistant",
  system = "You answer with the help of tools. Save files under data/.",
  tools = {"calculate", "file_write"},
  max_iterations = 6,
  temperature = 0,
}
if params.get("model") ~= "" then config.model = params.get("model") end
agent.create(config)

local result = agent.run("assistant", params.get("question"))
for _, message in ipairs(result.transcript) do
  if message.role == "tool" then print("tool result: " .. message.content) end
end
print("answer: " .. result.text)
print(("(%d iterations)"):format(result.iterations))
