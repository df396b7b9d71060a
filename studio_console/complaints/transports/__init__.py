"""Transports that carry ready complaints out of the studio (file package, SMS 1708, HTTP push)."""
