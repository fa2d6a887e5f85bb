/** A change request's status through its life. The database stores these words (db/schema.ts takes its column types from here). */
export type ChangeStatus =
  | 'draft'
  | 'submitted'
  | 'approved'
  | 'approved_with_safeguards'
  | 'declined'
  | 'implemented'
  | 'expired'
  | 'removed'
  | 'recertified';
