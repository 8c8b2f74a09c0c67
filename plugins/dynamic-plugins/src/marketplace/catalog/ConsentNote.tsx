import { Alert, Checkbox } from '@backstage/ui';

/**
 * Shown before the first install of third-party code (npm or OCI, not a
 * bundled package): a plugin is not sandboxed, so the admin agrees to what
 * that means before it is staged.
 */
export function ConsentNote({ accepted, onChange }: { accepted: boolean; onChange(accepted: boolean): void }) {
  return (
    <Alert
      status="warning"
      title="Third-party code"
      description={
        <>
          This plugin is not part of DevPortal. Once applied, it runs with the portal's privileges: it can read the portal's configuration and
          secrets, its database and every request it serves. Install only code you trust.
          <div style={{ marginTop: 8 }}>
            <Checkbox isSelected={accepted} onChange={onChange}>
              I understand that it runs with the portal's privileges
            </Checkbox>
          </div>
        </>
      }
    />
  );
}
