//! procura-demo: a seeded synthetic population and the agency exports the built-in models read (arrives with the models issue).
