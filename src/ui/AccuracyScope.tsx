// Beside an accuracy: the test images it was measured on. A short run checks the first few
// hundred or thousand test images each epoch and the whole split at its end, so a figure without
// its images could pass for the test accuracy when it is a subset's.
import { imagesShort, type EvaluatedImages } from '../spec';

export function Scope({ images }: { images: EvaluatedImages | null | undefined }) {
  if (!images) return null;
  return (
    <span className="scope-note" data-testid="accuracy-scope">
      {' '}
      on {imagesShort(images)}
    </span>
  );
}
