-- events-and-hooks: a small order pipeline driven by events, reviewed by hooks.
local max_qty = params.get("max_qty")
local shipped = {}

-- Spell-defined hook points start with "custom."; higher priority runs first.
hooks.register("custom.review_order", function(order)
  order.item = order.item:lower()
  return order                                   -- a table replaces the payload
end, 10)

hooks.register("custom.review_order", function(order)
  if order.qty > max_qty then
    return {cancel = true, reason = "quantity " .. order.qty .. " is over " .. max_qty}
  end
end, 5)

events.subscribe("order.*", function(type, order)   -- every order event
  metrics.counter("order_events", 1, {type = type})
end)

events.subscribe("order.accepted", function(_, order)
  -- Published from inside a handler: delivered after this event, in publish order.
  events.publish("order.shipped", order)
end)

events.subscribe("order.shipped", function(_, order)
  shipped[#shipped + 1] = order.item
end)

for _, order in ipairs(params.get("orders")) do
  local review = hooks.fire("custom.review_order", order)
  if review.cancelled then
    log.warn("order rejected", {item = order.item, reason = review.reason})
    events.publish("order.rejected", {order = order, reason = review.reason})
  else
    events.publish("order.accepted", review.payload)
  end
end

print("shipped: " .. table.concat(shipped, ", "))
print("events seen: " .. metrics.get("order_events", {type = "order.shipped"}) .. " shipped")
