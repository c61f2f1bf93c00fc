//! Search: the tokenizer, the index builder and the shard writer.

pub mod tokenize;
