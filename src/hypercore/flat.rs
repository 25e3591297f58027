//! Flat-tree indexing: every node of a hypercore's merkle tree has one `u64` index.
//!
//! Leaves (blocks) are the even indexes — block `i` is node `2i` — and a node of depth
//! `d` with offset `o` among the nodes of its depth is `(2o + 1)·2^d − 1`, so a parent
//! sits between its children (`flat-tree@1.13.0`, `reference/wire/hypercore.md` §1):
//!
//! ```text
//! depth 2:              3
//! depth 1:      1               5
//! depth 0:  0       2       4       6
//! ```
//!
//! Pure arithmetic, no allocation except [`full_roots`]. Indexes stay far below
//! `u64::MAX` (a log is capped at 2^53 blocks by the wire's `uint`), so nothing here
//! overflows on an index a decoder accepted.

/// The node of `depth` at `offset`.
pub fn index(depth: u32, offset: u64) -> u64 {
    (((offset << 1) + 1) << depth) - 1
}

/// How far above the leaves `i` sits: its number of trailing one bits.
pub fn depth(i: u64) -> u32 {
    i.trailing_ones()
}

/// The position of `i` among the nodes of its depth, left to right.
pub fn offset(i: u64) -> u64 {
    let d = depth(i);
    if d == 0 {
        i >> 1
    } else {
        ((i + 1) >> d) >> 1
    }
}

/// The node `i` hangs under.
pub fn parent(i: u64) -> u64 {
    index(depth(i) + 1, offset(i) >> 1)
}

/// The other child of `i`'s parent.
pub fn sibling(i: u64) -> u64 {
    index(depth(i), offset(i) ^ 1)
}

/// The left and right children of `i`, or `None` for a leaf.
pub fn children(i: u64) -> Option<(u64, u64)> {
    let d = depth(i);
    if d == 0 {
        return None;
    }
    let o = offset(i) << 1;
    Some((index(d - 1, o), index(d - 1, o + 1)))
}

/// The lowest leaf index under `i` (`i` itself for a leaf).
pub fn left_span(i: u64) -> u64 {
    let d = depth(i);
    if d == 0 {
        i
    } else {
        offset(i) << (d + 1)
    }
}

/// The highest leaf index under `i` (`i` itself for a leaf).
pub fn right_span(i: u64) -> u64 {
    let d = depth(i);
    if d == 0 {
        i
    } else {
        ((offset(i) + 1) << (d + 1)) - 2
    }
}

/// How many blocks lie under `i`.
pub fn count_leaves(i: u64) -> u64 {
    1 << depth(i)
}

/// Whether `i` is `of` or lies in the subtree under `of`.
pub fn is_under(i: u64, of: u64) -> bool {
    left_span(of) <= i && i <= right_span(of)
}

/// The roots of a log of `length` blocks, left to right: `length` split into descending
/// powers of two, each part's root being the node that covers exactly it.
pub fn full_roots(length: u64) -> Vec<u64> {
    let mut roots = Vec::with_capacity(length.count_ones() as usize);
    let mut left = length;
    let mut first_leaf = 0u64;
    while left > 0 {
        let span = 1u64 << (63 - left.leading_zeros());
        // A subtree of `span` leaves starting at block `first_leaf` (a multiple of span).
        roots.push(index(span.trailing_zeros(), first_leaf / span));
        first_leaf += span;
        left -= span;
    }
    roots
}

/// A cursor over the tree that moves by sibling, parent and child steps, the way
/// `flat-tree`'s iterator does. Proof construction and verification are written as
/// walks with it, which keeps them step for step comparable with Node's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iter {
    /// Where the cursor is.
    pub index: u64,
    offset: u64,
    /// Twice the number of leaves under the current node.
    factor: u64,
}

impl Iter {
    /// A cursor at `index`.
    pub fn new(index: u64) -> Iter {
        let mut it = Iter {
            index: 0,
            offset: 0,
            factor: 2,
        };
        it.seek(index);
        it
    }

    /// Moves to `index`.
    pub fn seek(&mut self, index: u64) {
        self.index = index;
        self.offset = offset(index);
        self.factor = 2 << depth(index);
    }

    /// Whether `index` is the current node or under it.
    pub fn contains(&self, index: u64) -> bool {
        let half = self.factor / 2;
        if index > self.index {
            index < self.index + half
        } else if index < self.index {
            index + half > self.index
        } else {
            true
        }
    }

    /// How many blocks lie under the current node.
    pub fn count_leaves(&self) -> u64 {
        self.factor / 2
    }

    /// Moves to the sibling and returns its index.
    pub fn sibling(&mut self) -> u64 {
        if self.offset & 1 == 0 {
            self.offset += 1;
            self.index += self.factor;
        } else {
            self.offset -= 1;
            self.index -= self.factor;
        }
        self.index
    }

    /// Moves to the parent and returns its index.
    pub fn parent(&mut self) -> u64 {
        if self.offset & 1 == 1 {
            self.index -= self.factor / 2;
            self.offset = (self.offset - 1) / 2;
        } else {
            self.index += self.factor / 2;
            self.offset /= 2;
        }
        self.factor *= 2;
        self.index
    }

    /// Moves to the left child (stays on a leaf) and returns the index.
    pub fn left_child(&mut self) -> u64 {
        if self.factor > 2 {
            self.factor /= 2;
            self.index -= self.factor / 2;
            self.offset *= 2;
        }
        self.index
    }

    /// Whether the current node is a leaf.
    pub fn is_leaf(&self) -> bool {
        self.factor == 2
    }

    /// Moves to the first leaf right of the current subtree.
    pub fn next_tree(&mut self) -> u64 {
        self.index += self.factor / 2 + 1;
        self.offset = self.index / 2;
        self.factor = 2;
        self.index
    }

    /// From a leaf, climbs to the largest full root that starts there and ends before
    /// flat index `head`; false when there is none (the walk over a log's roots is
    /// `Iter::new(0)`, then `while it.full_root(head) { …; it.next_tree(); }`).
    pub fn full_root(&mut self, head: u64) -> bool {
        if head <= self.index || self.index & 1 == 1 {
            return false;
        }
        while head > self.index + self.factor + self.factor / 2 {
            self.index += self.factor / 2;
            self.factor *= 2;
            self.offset /= 2;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_table() {
        assert_eq!(depth(0), 0);
        assert_eq!(depth(3), 2);
        assert_eq!(offset(5), 1);
        assert_eq!(offset(6), 3);
        assert_eq!(parent(0), 1);
        assert_eq!(parent(2), 1);
        assert_eq!(parent(1), 3);
        assert_eq!(parent(5), 3);
        assert_eq!(sibling(0), 2);
        assert_eq!(sibling(1), 5);
        assert_eq!(sibling(8), 10);
        assert_eq!(children(3), Some((1, 5)));
        assert_eq!(children(4), None);
        assert_eq!(left_span(3), 0);
        assert_eq!(right_span(3), 6);
        assert_eq!(right_span(11), 14);
        assert_eq!(count_leaves(7), 8);
        assert_eq!(full_roots(0), Vec::<u64>::new());
        assert_eq!(full_roots(3), vec![1, 4]);
        assert_eq!(full_roots(5), vec![3, 8]);
        assert_eq!(full_roots(7), vec![3, 9, 12]);
        assert_eq!(full_roots(8), vec![7]);
    }

    proptest::proptest! {
        #[test]
        fn parent_and_children_agree(i in 0u64..(1 << 40)) {
            let p = parent(i);
            let (l, r) = children(p).unwrap();
            proptest::prop_assert!(l == i || r == i);
            proptest::prop_assert_eq!(sibling(sibling(i)), i);
            proptest::prop_assert!(is_under(i, p));
            proptest::prop_assert_eq!(right_span(i) - left_span(i), 2 * (count_leaves(i) - 1));
        }

        #[test]
        fn the_iterator_walks_as_the_functions_say(i in 0u64..(1 << 40)) {
            let mut it = Iter::new(i);
            proptest::prop_assert_eq!(it.count_leaves(), count_leaves(i));
            proptest::prop_assert!(it.contains(left_span(i)) && it.contains(right_span(i)));
            proptest::prop_assert!(!it.contains(right_span(i) + 1));
            proptest::prop_assert_eq!(it.sibling(), sibling(i));
            proptest::prop_assert_eq!(it.parent(), parent(i));
            if let Some((l, _)) = children(parent(i)) {
                proptest::prop_assert_eq!(it.left_child(), l);
            }
        }

        #[test]
        fn the_iterator_finds_the_full_roots(length in 0u64..(1 << 40)) {
            let mut it = Iter::new(0);
            let mut roots = Vec::new();
            while it.full_root(2 * length) {
                roots.push(it.index);
                it.next_tree();
            }
            proptest::prop_assert_eq!(roots, full_roots(length));
        }

        #[test]
        fn roots_cover_the_log_exactly(length in 0u64..(1 << 40)) {
            let roots = full_roots(length);
            let mut next = 0;
            for r in &roots {
                proptest::prop_assert_eq!(left_span(*r), next);
                next = right_span(*r) + 2;
            }
            proptest::prop_assert_eq!(next, 2 * length);
        }
    }
}
