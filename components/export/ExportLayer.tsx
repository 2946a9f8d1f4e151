import type { ExportSlotProps } from '@/components/export/ExportSlot';
import { useLazyModule } from '@/utils/panel/lazy';

/** Its own chunk (the dialog and the PNG, GIF and atlas writers), fetched the first time Export is opened. */
const loadExportSlot = () => import('@/components/export/ExportSlot');

/** Where the Export dialog goes: nothing until its chunk is in, then the dialog over the chosen jobs. */
export function ExportLayer(props: ExportSlotProps) {
  const slot = useLazyModule(true, loadExportSlot);
  if (slot.error)
    return (
      <p class="field-error" role="alert">
        Export could not be loaded: {slot.error}
      </p>
    );
  return slot.module ? <slot.module.ExportSlot {...props} /> : null;
}
