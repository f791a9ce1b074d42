// Buffered text file writing for the benchmarks' generated log and CSV files.

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";

const CHUNK_CHARS = 1 << 20;

export class TextFileWriter {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private size = 0;

  constructor(filePath: string, flags: "w" | "a" = "w") {
    this.stream = createWriteStream(filePath, { flags });
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
  }
}
