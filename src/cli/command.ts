/** A CLI subcommand. `run` returns the exit code; usage errors are thrown as `UsageError`. */
export interface Command {
  name: string;
  summary: string;
  help(): string;
  run(argv: string[]): Promise<number>;
}
