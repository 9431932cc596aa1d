// The PostgreSQL helpers live in @roster/testing, which starts cluster-mode servers with them.
export * from '@roster/testing/postgres';
