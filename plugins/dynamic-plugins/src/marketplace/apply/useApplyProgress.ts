import { useApi } from '@backstage/frontend-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  APPLY_SIGNAL_CHANNEL,
  type ApplyProgress,
  type ApplyStage,
  type GenerationState,
} from '@devportal/plugin-dynamic-plugins-common';
import { useEffect, useState } from 'react';
import { marketplaceApiRef } from '../api';

export interface ApplyStatus {
  generation: number;
  state: GenerationState;
  stage?: ApplyStage;
  /** The last progress message, or why the apply failed. */
  message?: string;
}

export interface ApplyTiming {
  /** How often to ask the backend when there are no signals. */
  pollMs: number;
  /** How long to wait for a pushed message before asking once. */
  silenceMs: number;
}

const DEFAULT_TIMING: ApplyTiming = { pollMs: 2000, silenceMs: 15000 };

/**
 * Follows one apply. Progress is pushed over signals (`APPLY_SIGNAL_CHANNEL`);
 * without the signals API the generation is re-fetched every `pollMs`.
 *
 * With signals, the generation is still fetched once after `silenceMs`
 * without a message: until live apply lands, activation restarts the
 * backend, and what it pushes while the page's signals connection is down
 * (the final `healthy` or `failed` among it) is lost. Without that check the
 * page would show "applying" for ever after a restart.
 */
export function useApplyProgress(start: ApplyStatus | undefined, timing: ApplyTiming = DEFAULT_TIMING): ApplyStatus | undefined {
  const api = useApi(marketplaceApiRef);
  const { lastSignal, isSignalsAvailable } = useSignal(APPLY_SIGNAL_CHANNEL);
  const [status, setStatus] = useState(start);
  const generation = start?.generation;

  useEffect(() => setStatus(start), [start]);

  useEffect(() => {
    const message = lastSignal as unknown as ApplyProgress | null;
    if (!message || message.generation !== generation) return;
    setStatus({ generation: message.generation, state: message.state, stage: message.stage, message: message.message });
  }, [lastSignal, generation]);

  const running = status?.state === 'applying';
  useEffect(() => {
    if (generation === undefined || !running) return undefined;
    let current = true;
    const check = () =>
      api.getGeneration(generation).then(
        g => current && setStatus(s => ({ generation, state: g.state, stage: g.stage, message: g.reason ?? s?.message })),
        () => undefined, // The backend may be restarting: ask again next round.
      );
    const timer = isSignalsAvailable ? setTimeout(check, timing.silenceMs) : setInterval(check, timing.pollMs);
    return () => {
      current = false;
      clearTimeout(timer as ReturnType<typeof setTimeout>);
      clearInterval(timer as ReturnType<typeof setInterval>);
    };
    // A new message restarts the silence timer (status changes with it).
  }, [api, generation, running, isSignalsAvailable, status, timing.pollMs, timing.silenceMs]);

  return status;
}
