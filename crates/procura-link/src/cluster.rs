//! Clustering: records sharing a valid ID are one entity; scored pairs above the threshold
//! join entities, strongest first, but never two entities that each hold a different valid ID
//! (two valid IDs are two people), and never a record with an entity whose valid ID it has a
//! veto against (its own pair with a record of that ID was scored below the threshold, or a
//! person rejected it): a record cannot join a person by way of a third record when the direct
//! comparison says no. Edges that tie a record to a record with a valid ID are taken before
//! edges between records without one, so records are anchored by their own evidence first.
//! Entity keys are the entity's valid ID, else a hash of its smallest record key: the same data
//! gives the same keys on every run.

use crate::Map;

use serde::{Deserialize, Serialize};

use crate::record::Record;

/// How a record is tied to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// No valid ID and no accepted link.
    Unlinked,
    /// Linked by a pair above the probable threshold.
    Probable,
    /// Linked by a pair above the strong threshold.
    Strong,
    /// Linked because a person confirmed the pair.
    Confirmed,
    /// Its own valid ID is the entity's key.
    Exact,
}

impl Strength {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Strength::Unlinked => "unlinked",
            Strength::Probable => "probable",
            Strength::Strong => "strong",
            Strength::Confirmed => "confirmed",
            Strength::Exact => "exact",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Strength::Unlinked => "未关联",
            Strength::Probable => "可能",
            Strength::Strong => "高度可能",
            Strength::Confirmed => "人工确认",
            Strength::Exact => "精确匹配",
        }
    }

    /// A number for SQL comparisons: exact 4, confirmed and strong 3, probable 2, unlinked 0.
    pub fn rank(self) -> i64 {
        match self {
            Strength::Exact => 4,
            Strength::Confirmed | Strength::Strong => 3,
            Strength::Probable => 2,
            Strength::Unlinked => 0,
        }
    }

    /// Parses a code (or a Chinese label).
    pub fn parse(text: &str) -> Option<Strength> {
        [
            Strength::Unlinked,
            Strength::Probable,
            Strength::Strong,
            Strength::Confirmed,
            Strength::Exact,
        ]
        .into_iter()
        .find(|s| s.code() == text || s.zh() == text)
    }
}

/// An accepted edge between two records.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Match probability (1.0 for confirmed pairs).
    pub probability: f64,
    /// Strength the edge gives.
    pub strength: Strength,
}

/// A record's entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The entity key.
    pub entity: String,
    /// How the record is tied to it.
    pub strength: Strength,
    /// The probability of its best edge (1.0 for exact).
    pub probability: f64,
}

/// A record that must not be in the entity of a valid ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Veto {
    /// The record (without a valid ID).
    pub record: u32,
    /// A record whose valid ID the first must not be joined with.
    pub with: u32,
}

struct UnionFind {
    parent: Vec<u32>,
    id: Vec<Option<u32>>,
    /// Per set root: the IDs (interned) its records must not be joined with.
    vetoed: Vec<Vec<u32>>,
}

impl UnionFind {
    fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        let mut node = x;
        while self.parent[node as usize] != root {
            let next = self.parent[node as usize];
            self.parent[node as usize] = root;
            node = next;
        }
        root
    }

    /// Joins two sets unless each holds a different valid ID, or one holds an ID the other
    /// has a veto against.
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        let (x, y) = (self.id[ra as usize], self.id[rb as usize]);
        let vetoed = |set: u32, id: Option<u32>| {
            id.is_some_and(|id| self.vetoed[set as usize].contains(&id))
        };
        match (x, y) {
            (Some(x), Some(y)) if x != y => false,
            _ if vetoed(ra, y) || vetoed(rb, x) => false,
            _ => {
                self.parent[rb as usize] = ra;
                self.id[ra as usize] = x.or(y);
                let moved = std::mem::take(&mut self.vetoed[rb as usize]);
                let kept = &mut self.vetoed[ra as usize];
                for id in moved {
                    if !kept.contains(&id) {
                        kept.push(id);
                    }
                }
                true
            }
        }
    }
}

/// Assigns every record to an entity.
pub fn cluster(records: &[Record], mut edges: Vec<Edge>, vetoes: &[Veto]) -> Vec<Assignment> {
    let mut ids: Map<&str, u32> = Map::default();
    let record_id: Vec<Option<u32>> = records
        .iter()
        .map(|r| {
            r.id.as_deref().map(|id| {
                let next = ids.len() as u32;
                *ids.entry(id).or_insert(next)
            })
        })
        .collect();
    let mut vetoed: Vec<Vec<u32>> = vec![Vec::new(); records.len()];
    for veto in vetoes {
        if let (None, Some(Some(id))) = (
            record_id[veto.record as usize],
            record_id.get(veto.with as usize),
        ) && !vetoed[veto.record as usize].contains(id)
        {
            vetoed[veto.record as usize].push(*id);
        }
    }
    let mut sets = UnionFind {
        parent: (0..records.len() as u32).collect(),
        id: record_id.clone(),
        vetoed,
    };
    // Records with the same valid ID: one entity.
    let mut first: Map<u32, u32> = Map::default();
    for (index, id) in record_id.iter().enumerate() {
        if let Some(id) = id {
            let anchor = *first.entry(*id).or_insert(index as u32);
            sets.union(anchor, index as u32);
        }
    }
    // Edges to a record with a valid ID first, then the others; each group strongest first.
    let anchored =
        |edge: &Edge| record_id[edge.a as usize].is_some() || record_id[edge.b as usize].is_some();
    edges.sort_by(|x, y| {
        anchored(y)
            .cmp(&anchored(x))
            .then(y.probability.total_cmp(&x.probability))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut best: Vec<Option<(f64, Strength)>> = vec![None; records.len()];
    for edge in &edges {
        if sets.union(edge.a, edge.b) {
            for node in [edge.a, edge.b] {
                let slot = &mut best[node as usize];
                if slot.is_none_or(|(p, s)| (edge.strength, edge.probability) > (s, p)) {
                    *slot = Some((edge.probability, edge.strength));
                }
            }
        }
    }
    // Entity keys: the most common valid ID of the set, else a hash of its smallest record key.
    let mut members: Map<u32, Vec<u32>> = Map::default();
    for index in 0..records.len() as u32 {
        let root = sets.find(index);
        members.entry(root).or_default().push(index);
    }
    let mut keys: Map<u32, String> = Map::default();
    for (root, list) in &members {
        let mut counts: Map<&str, usize> = Map::default();
        for index in list {
            if let Some(id) = records[*index as usize].id.as_deref() {
                *counts.entry(id).or_insert(0) += 1;
            }
        }
        let key = match counts
            .into_iter()
            .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(x.0)))
        {
            Some((id, _)) => id.to_owned(),
            None => {
                let smallest = list
                    .iter()
                    .map(|i| records[*i as usize].key.as_str())
                    .min()
                    .unwrap_or("");
                format!("U{}", &blake3::hash(smallest.as_bytes()).to_hex()[..17])
            }
        };
        keys.insert(*root, key);
    }
    (0..records.len() as u32)
        .map(|index| {
            let root = sets.find(index);
            let entity = keys.get(&root).cloned().unwrap_or_default();
            let record = &records[index as usize];
            let (strength, probability) = if record.id.as_deref() == Some(entity.as_str()) {
                (Strength::Exact, 1.0)
            } else {
                match best[index as usize] {
                    Some((p, s)) => (s, p),
                    None => (Strength::Unlinked, 0.0),
                }
            };
            Assignment {
                entity,
                strength,
                probability,
            }
        })
        .collect()
}
