//! Exports of a summary (and its raw data) to other tools' formats, behind one trait.
