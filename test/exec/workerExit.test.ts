import { describe, expect, it } from 'vitest';
import { idleWorkerFailure, workerExit } from '../../src/exec/local.js';

// review-newuser5 #24: a worker killed by a signal was named by its PID only ("a worker failed:
// worker process (PID 7524) was killed by SIGKILL") when it held no unit at that moment.
describe('a worker that dies is named with where the run was', () => {
  it('SIGKILL gets the out-of-memory hint; other signals and exit codes do not', () => {
    expect(workerExit(7524, null, 'SIGKILL')).toBe(
      'worker process (PID 7524) was killed by SIGKILL (not by corpus-clean: when nobody killed it, this is most often the kernel out of memory, see dmesg or journalctl -k; fewer --workers or a smaller --task-size use less)',
    );
    expect(workerExit(7524, null, 'SIGSEGV')).toBe('worker process (PID 7524) was killed by SIGSEGV');
    expect(workerExit(7524, 3, null)).toBe('worker process (PID 7524) exited with code 3');
  });

  it('a worker that died between units names the unit it last finished, or that it had run none', () => {
    expect(idleWorkerFailure('worker process (PID 1) was killed by SIGTERM', 'task 3 of phase 0-tasks (a.jsonl)')).toBe(
      'a worker failed while it ran no unit (after task 3 of phase 0-tasks (a.jsonl), which it finished): worker process (PID 1) was killed by SIGTERM',
    );
    expect(idleWorkerFailure('x', undefined)).toBe('a worker failed while it ran no unit (before its first unit): x');
  });
});
