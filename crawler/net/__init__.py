"""Network safety: address policy, guarded connections, secret redaction."""
