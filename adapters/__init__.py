"""Platform adapters: each translates one platform's events to the core's Request/Reply and back."""
