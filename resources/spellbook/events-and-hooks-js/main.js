// events-and-hooks-js: a small order pipeline driven by events, reviewed by hooks.
const maxQty = params.get("max_qty");
const shipped = [];

// Spell-defined hook points start with "custom."; higher priority runs first.
hooks.register("custom.review_order", (order) => {
  order.item = order.item.toLowerCase();
  return order; // an object replaces the payload
}, 10);

hooks.register("custom.review_order", (order) => {
  if (order.qty > maxQty) {
    return { cancel: true, reason: `quantity ${order.qty} is over ${maxQty}` };
  }
}, 5);

events.subscribe("order.*", (type, order) => { // every order event
  metrics.counter("order_events", 1, { type });
});

events.subscribe("order.accepted", (_, order) => {
  // Published from inside a handler: delivered after this event, in publish order.
  events.publish("order.shipped", order);
});

events.subscribe("order.shipped", (_, order) => {
  shipped.push(order.item);
});

for (const order of params.get("orders")) {
  const review = hooks.fire("custom.review_order", order);
  if (review.cancelled) {
    log.warn("order rejected", { item: order.item, reason: review.reason });
    events.publish("order.rejected", { order, reason: review.reason });
  } else {
    events.publish("order.accepted", review.payload);
  }
}

print("shipped: " + shipped.join(", "));
print("events seen: " + metrics.get("order_events", { type: "order.shipped" }) + " shipped");
