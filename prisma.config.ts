import { defineConfig } from 'prisma/config';

// `prisma generate` reads only the schema. Migrations are created and applied by
// scripts/migrate.ts (the WebAssembly schema engine), so no datasource URL is needed here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
