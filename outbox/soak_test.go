package outbox_test

// childEnv, when set, makes the test binary a soak worker process.
const childEnv = "OUTBOX_SOAK_CHILD"

func childMain() int { return 2 }
