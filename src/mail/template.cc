// Placeholder while the mail subsystem is being built.
