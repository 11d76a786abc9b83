<?xml version="1.0" encoding="UTF-8"?>
<!-- Names from the novel, said the Spanish way by Lucia. Uploaded by: polyglot lexicons sync pipelines/broadcast.yaml -->
<lexicon version="1.0"
      xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
      alphabet="ipa" xml:lang="es-ES">
  <lexeme>
    <grapheme>Dashwood</grapheme>
    <alias>Dasuud</alias>
  </lexeme>
  <lexeme>
    <grapheme>Norland</grapheme>
    <alias>Norlan</alias>
  </lexeme>
</lexicon>
