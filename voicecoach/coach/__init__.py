"""How a session unfolds: the coach state machine, commands, clock (pure logic)."""
