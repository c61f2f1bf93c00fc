//! A decision tree as written in a ```` ```decision-tree ```` block.

/// What an outcome tells the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OutcomeKind {
    Supported,
    ContactVendor,
    NotSupported,
    Info,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 4] = [
        OutcomeKind::Supported,
        OutcomeKind::ContactVendor,
        OutcomeKind::NotSupported,
        OutcomeKind::Info,
    ];

    pub fn parse(s: &str) -> Option<OutcomeKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The name in the block and in `data-kb-outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Supported => "supported",
            OutcomeKind::ContactVendor => "contact-vendor",
            OutcomeKind::NotSupported => "not-supported",
            OutcomeKind::Info => "info",
        }
    }

    /// What readers see (never colour alone).
    pub fn label(self) -> &'static str {
        match self {
            OutcomeKind::Supported => "Supported",
            OutcomeKind::ContactVendor => "Contact the vendor",
            OutcomeKind::NotSupported => "Not supported",
            OutcomeKind::Info => "Good to know",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub label: String,
    pub next: String,
    /// File line of its `next:` (or the node's line).
    pub line: u32,
}

/// A link listed under an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeLink {
    pub label: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Question {
        ask: String,
        help: Option<String>,
        answers: Vec<Answer>,
    },
    Outcome {
        kind: OutcomeKind,
        text: String,
        links: Vec<OutcomeLink>,
    },
    /// Neither `ask` nor `outcome`: a dead end (validation reports it).
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    /// File line of the node's key.
    pub line: u32,
    pub kind: NodeKind,
}

impl Node {
    pub fn answers(&self) -> &[Answer] {
        match &self.kind {
            NodeKind::Question { answers, .. } => answers,
            _ => &[],
        }
    }

    pub fn outcome(&self) -> Option<OutcomeKind> {
        match &self.kind {
            NodeKind::Outcome { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// A test: answers from the start, and the outcome they must reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    pub path: Vec<String>,
    pub expect: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub id: String,
    pub title: String,
    pub start: String,
    /// In the order written.
    pub nodes: Vec<Node>,
    pub tests: Vec<TestCase>,
    /// File line of the block's first YAML line.
    pub line: u32,
}

impl Tree {
    pub fn index(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The `#TREEID--NODEID` element id of a node.
    pub fn element_id(&self, node: &str) -> String {
        format!("{}--{}", self.id, node)
    }
}
