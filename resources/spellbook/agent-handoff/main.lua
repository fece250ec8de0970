-- agent-handoff: triage decides who answers; the handoff is a tool call the model makes.
-- Replay offline: llmspell run resources/spellbook/agent-handoff --replay resources/spellbook/agent-handoff/recording.jsonl
local model = params.get("model") ~= "" and params.get("model") or nil

agent.create({
  name = "billing", model = model, temperature = 0,
  description = "the billing specialist (charges, refunds, invoices)",
  system = "You are the billing specialist. Resolve billing problems in two sentences.",
})
agent.create({
  name = "triage", model = model, temperature = 0, handoffs = {"billing"},
  system = "You route customer messages. Hand billing questions to the billing agent.",
})

local result = agent.run("triage", params.get("question"))
for _, message in ipairs(result.transcript) do
  if message.role == "handoff" then print(("handed off: %s -> %s"):format(message.from, message.to)) end
end
print(result.agent .. ": " .. result.text)
