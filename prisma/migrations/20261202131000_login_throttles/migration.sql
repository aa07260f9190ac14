-- Reserved login attempts per subject (an account's email or an address) in the current
-- throttle window: reserved with one conditional upsert before the password is checked,
-- so concurrent guesses cannot all pass (src/datasources/database/login-throttle.repository.ts).
CREATE TABLE "login_throttles" (
    "subject" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "reset_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "login_throttles_pkey" PRIMARY KEY ("subject")
);
