"""Formal complaints: builder, outbox and transports."""
