import { CopyIcon } from '@/components/icons';

export interface CommandLineProps {
  /** What the command does, shown above it ("Start it"). */
  label: string;
  command: string;
  onCopy(command: string): void;
}

/** A shell command to run, as one selectable line, with a copy button named after what it copies. */
export function CommandLine({ label, command, onCopy }: CommandLineProps) {
  return (
    <div class="command-line">
      <span class="command-label">{label}</span>
      <span class="command-row">
        <code class="command" data-testid="command">
          {command}
        </code>
        <button
          type="button"
          class="btn small command-copy"
          aria-label={`Copy the command: ${command}`}
          title="Copy"
          onClick={() => onCopy(command)}
        >
          <CopyIcon /> Copy
        </button>
      </span>
    </div>
  );
}
