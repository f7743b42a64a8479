"""The events table and what moves with it in one transaction: the writer, its connections,
incidents' heads, the Merkle log's head; and the rejections' stream, read back."""
