// Saves bytes or text as a file through the browser's download (exports, CSV tables, PNG charts).

export function downloadFile(content: Uint8Array | string | Blob, fileName: string, type: string) {
  const blob =
    content instanceof Blob
      ? content
      : new Blob([typeof content === 'string' ? content : (content as Uint8Array<ArrayBuffer>)], {
          type,
        });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
