import Testing

@Suite struct SubjectTiKVPlaceholder {}
