"""LMS integration through Standard Webhooks: signing, events, the outbox worker, delivery."""
