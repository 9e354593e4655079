"""What the demo and the tests run locally in place of the world: SMTP and HTTP sinks on 127.0.0.1."""
