// Presets and named recipes are shared by every part of the app; freezing them turns an
// accidental in-place edit (which would silently change the preset for everyone) into an error.

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
