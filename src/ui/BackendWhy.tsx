// Why `auto` trains where it does, said on the panel (not only in a tooltip): the worker's own
// reason for the run on screen, else the page's forecast from the backend probes — e.g. that
// WebGPU was passed over because its adapter is SwiftShader, a software one, slower than WASM.
import { autoForecast } from '../engine/backends';
import { useEnvironment } from '../store/environment';
import { useRun } from '../store/run';

export function BackendWhy() {
  const backend = useRun((s) => s.backend);
  const why = useRun((s) => s.why);
  const ranOn = useRun((s) => s.current?.backend ?? null);
  const probes = useEnvironment((s) => s.backends);
  if (backend !== 'auto' || !probes) return null;
  if (why && ranOn) {
    return (
      <p className="muted backend-why" data-testid="backend-why">
        <strong>auto → {ranOn}</strong> for this run: {why}.
      </p>
    );
  }
  const forecast = autoForecast(probes);
  if (!forecast.backend) return null;
  return (
    <p className="muted backend-why" data-testid="backend-why">
      <strong>auto → {forecast.backend}</strong>
      {forecast.skipped.length
        ? `, because ${forecast.skipped.join('; ')}.`
        : ', the fastest here.'}
    </p>
  );
}
