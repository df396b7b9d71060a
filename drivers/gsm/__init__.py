"""GSM modem: AT channel, PDU codec, modem driver and a virtual modem on a pseudo-terminal."""
